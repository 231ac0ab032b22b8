;; Philox-4x32-10 Gaussian noise with WebAssembly SIMD: the arithmetic of
;; philox.ts, operation for operation, four counter blocks (16 normals) per
;; group, one block per lane. With a base (fill's $add), each normal is added to
;; the f32 at the same place of the base array as it is stored (f32x4.add is
;; correctly rounded: the bits of a separate tfjs add, one pass fewer). The memory is imported: tfjs-backend-wasm's own
;; heap when it can be shared, so the kernel writes straight into the output
;; tensor. Constants are written as the f32 bit patterns of philox.ts's
;; F32_BITS. Assembled by scripts/assemble-wat.cjs into philox-wasm.ts.
(module
  (import "env" "memory" (memory 0))

  ;; n >= 1 groups: blocks b .. b+4n-1 of the stream (key k0 k1, purpose p), 16 normals per
  ;; group to dst, in element order, each plus the f32 at the same place of src when add is set.
  ;; Everything is written out in this one function, the Box-Muller step twice (locals $A..
  ;; for words c0 c1, $B.. for c2 c3, otherwise the same text), and it loops over the groups:
  ;; V8 (node 20) does not inline wasm calls, and calls (log, Box-Muller and store helpers,
  ;; 8 per group, and one per group) cost a third of the time (docs/noise-generator.md, Speed).
  ;; Pairs of groups first ($pairs: the second group's counters $d.., products $g.. $u..,
  ;; Box-Muller locals $C.. $D.., stores 64 bytes on; each round's statements alternate
  ;; between the groups, so two independent chains overlap: -13%), then a last single
  ;; group ($next, the same text once). Same operations per lane as philox.ts, so the same
  ;; bits (test/unit/random/philox-wasm.test.ts checks runs of 1 to 6250 groups).
  (func $group (param $b i32) (param $k0 i32) (param $k1 i32) (param $p i32) (param $std v128) (param $dst i32)
        (param $src i32) (param $add i32) (param $n i32)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128) (local $h0 v128) (local $h1 v128)
    (local $r i32) (local $rk0 i32) (local $rk1 i32) (local $z0 v128) (local $z1 v128) (local $z2 v128) (local $z3 v128) (local $t0 v128) (local $t1 v128)
    (local $t2 v128) (local $t3 v128) (local $o0 v128) (local $o1 v128) (local $o2 v128) (local $o3 v128)
    (local $Ar v128) (local $Aj v128) (local $Aq v128) (local $Ax v128) (local $Ax2 v128) (local $As v128) (local $Ac v128) (local $Aswap v128) (local $Asin v128) (local $Acos v128) (local $ALk v128) (local $ALbits v128) (local $ALe v128) (local $ALm v128) (local $ALmask v128) (local $ALs v128) (local $ALz v128) (local $ALp v128) (local $ALss v128) (local $ALef v128) (local $ALlog v128) (local $Br v128) (local $Bj v128) (local $Bq v128) (local $Bx v128) (local $Bx2 v128) (local $Bs v128) (local $Bc v128) (local $Bswap v128) (local $Bsin v128) (local $Bcos v128) (local $BLk v128) (local $BLbits v128) (local $BLe v128) (local $BLm v128) (local $BLmask v128) (local $BLs v128) (local $BLz v128) (local $BLp v128) (local $BLss v128) (local $BLef v128) (local $BLlog v128)
    (local $Cr v128) (local $Cj v128) (local $Cq v128) (local $Cx v128) (local $Cx2 v128) (local $Cs v128) (local $Cc v128) (local $Cswap v128) (local $Csin v128) (local $Ccos v128) (local $CLk v128) (local $CLbits v128) (local $CLe v128) (local $CLm v128) (local $CLmask v128) (local $CLs v128) (local $CLz v128) (local $CLp v128) (local $CLss v128) (local $CLef v128) (local $CLlog v128) (local $Dr v128) (local $Dj v128) (local $Dq v128) (local $Dx v128) (local $Dx2 v128) (local $Ds v128) (local $Dc v128) (local $Dswap v128) (local $Dsin v128) (local $Dcos v128) (local $DLk v128) (local $DLbits v128) (local $DLe v128) (local $DLm v128) (local $DLmask v128) (local $DLs v128) (local $DLz v128) (local $DLp v128) (local $DLss v128) (local $DLef v128) (local $DLlog v128) (local $d0 v128) (local $d1 v128) (local $d2 v128) (local $d3 v128) (local $g0 v128) (local $g1 v128) (local $u0 v128) (local $u1 v128)
    (block $pairs_done (loop $pairs
    (br_if $pairs_done (i32.lt_s (local.get $n) (i32.const 2)))
    (local.set $rk0 (local.get $k0))
    (local.set $rk1 (local.get $k1))
    (local.set $r (i32.const 0))
    (local.set $c0 (i32x4.add (i32x4.splat (local.get $b)) (v128.const i32x4 0 1 2 3)))
    (local.set $c1 (v128.const i32x4 0 0 0 0))
    (local.set $c2 (i32x4.splat (local.get $p)))
    (local.set $c3 (v128.const i32x4 0 0 0 0))
    (local.set $d0 (i32x4.add (i32x4.splat (local.get $b)) (v128.const i32x4 4 5 6 7)))
    (local.set $d1 (v128.const i32x4 0 0 0 0))
    (local.set $d2 (i32x4.splat (local.get $p)))
    (local.set $d3 (v128.const i32x4 0 0 0 0))
    (loop $round
      (local.set $h0 (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31
        (i64x2.extmul_low_i32x4_u (local.get $c0) (v128.const i32x4 0xd2511f53 0xd2511f53 0xd2511f53 0xd2511f53)) (i64x2.extmul_high_i32x4_u (local.get $c0) (v128.const i32x4 0xd2511f53 0xd2511f53 0xd2511f53 0xd2511f53))))
      (local.set $g0 (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31
        (i64x2.extmul_low_i32x4_u (local.get $d0) (v128.const i32x4 0xd2511f53 0xd2511f53 0xd2511f53 0xd2511f53)) (i64x2.extmul_high_i32x4_u (local.get $d0) (v128.const i32x4 0xd2511f53 0xd2511f53 0xd2511f53 0xd2511f53))))
      (local.set $h1 (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31
        (i64x2.extmul_low_i32x4_u (local.get $c2) (v128.const i32x4 0xcd9e8d57 0xcd9e8d57 0xcd9e8d57 0xcd9e8d57)) (i64x2.extmul_high_i32x4_u (local.get $c2) (v128.const i32x4 0xcd9e8d57 0xcd9e8d57 0xcd9e8d57 0xcd9e8d57))))
      (local.set $g1 (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31
        (i64x2.extmul_low_i32x4_u (local.get $d2) (v128.const i32x4 0xcd9e8d57 0xcd9e8d57 0xcd9e8d57 0xcd9e8d57)) (i64x2.extmul_high_i32x4_u (local.get $d2) (v128.const i32x4 0xcd9e8d57 0xcd9e8d57 0xcd9e8d57 0xcd9e8d57))))
      (local.set $t0 (i32x4.mul (local.get $c0) (v128.const i32x4 0xd2511f53 0xd2511f53 0xd2511f53 0xd2511f53)))
      (local.set $u0 (i32x4.mul (local.get $d0) (v128.const i32x4 0xd2511f53 0xd2511f53 0xd2511f53 0xd2511f53)))
      (local.set $t1 (i32x4.mul (local.get $c2) (v128.const i32x4 0xcd9e8d57 0xcd9e8d57 0xcd9e8d57 0xcd9e8d57)))
      (local.set $u1 (i32x4.mul (local.get $d2) (v128.const i32x4 0xcd9e8d57 0xcd9e8d57 0xcd9e8d57 0xcd9e8d57)))
      (local.set $c0 (v128.xor (v128.xor (local.get $h1) (local.get $c1)) (i32x4.splat (local.get $rk0))))
      (local.set $d0 (v128.xor (v128.xor (local.get $g1) (local.get $d1)) (i32x4.splat (local.get $rk0))))
      (local.set $c2 (v128.xor (v128.xor (local.get $h0) (local.get $c3)) (i32x4.splat (local.get $rk1))))
      (local.set $d2 (v128.xor (v128.xor (local.get $g0) (local.get $d3)) (i32x4.splat (local.get $rk1))))
      (local.set $c1 (local.get $t1))
      (local.set $d1 (local.get $u1))
      (local.set $c3 (local.get $t0))
      (local.set $d3 (local.get $u0))
      (local.set $rk0 (i32.add (local.get $rk0) (i32.const 0x9e3779b9)))
      (local.set $rk1 (i32.add (local.get $rk1) (i32.const 0xbb67ae85)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br_if $round (i32.lt_u (local.get $r) (i32.const 10))))
    ;; Box-Muller on words (a, b) = (c0, c1), then (c2, c3) (philox.ts boxMuller, sinCosTurn), times std.
    ;; ln(k 2^-24) for k = (a >> 8) + 1 (philox.ts logUnit), then r, sin and cos of the turn b.
    (local.set $ALk (i32x4.add (i32x4.shr_u (local.get $c0) (i32.const 8)) (v128.const i32x4 1 1 1 1)))
    ;; k <= 2^24 converts exactly; its exponent and mantissa are read from the bits.
    (local.set $ALbits (f32x4.convert_i32x4_s (local.get $ALk)))
    (local.set $ALe (i32x4.sub (i32x4.shr_u (local.get $ALbits) (i32.const 23)) (v128.const i32x4 151 151 151 151)))
    (local.set $ALm (v128.or (v128.and (local.get $ALbits) (v128.const i32x4 0x007fffff 0x007fffff 0x007fffff 0x007fffff))
                           (v128.const i32x4 0x3f800000 0x3f800000 0x3f800000 0x3f800000)))
    (local.set $ALmask (f32x4.gt (local.get $ALm) (v128.const i32x4 0x3fb504f3 0x3fb504f3 0x3fb504f3 0x3fb504f3)))
    (local.set $ALm (v128.bitselect
      (f32x4.mul (local.get $ALm) (v128.const i32x4 0x3f000000 0x3f000000 0x3f000000 0x3f000000))
      (local.get $ALm) (local.get $ALmask)))
    (local.set $ALe (i32x4.sub (local.get $ALe) (local.get $ALmask)))
    (local.set $ALs (f32x4.div
      (f32x4.sub (local.get $ALm) (v128.const i32x4 0x3f800000 0x3f800000 0x3f800000 0x3f800000))
      (f32x4.add (local.get $ALm) (v128.const i32x4 0x3f800000 0x3f800000 0x3f800000 0x3f800000))))
    (local.set $ALz (f32x4.mul (local.get $ALs) (local.get $ALs)))
    (local.set $ALp (f32x4.add (f32x4.mul (local.get $ALz) (v128.const i32x4 0x3de38e39 0x3de38e39 0x3de38e39 0x3de38e39))
                             (v128.const i32x4 0x3e124925 0x3e124925 0x3e124925 0x3e124925)))
    (local.set $ALp (f32x4.add (f32x4.mul (local.get $ALp) (local.get $ALz)) (v128.const i32x4 0x3e4ccccd 0x3e4ccccd 0x3e4ccccd 0x3e4ccccd)))
    (local.set $ALp (f32x4.add (f32x4.mul (local.get $ALp) (local.get $ALz)) (v128.const i32x4 0x3eaaaaab 0x3eaaaaab 0x3eaaaaab 0x3eaaaaab)))
    (local.set $ALp (f32x4.mul (local.get $ALp) (local.get $ALz)))
    (local.set $ALss (f32x4.add (local.get $ALs) (local.get $ALs)))
    (local.set $ALef (f32x4.convert_i32x4_s (local.get $ALe)))
    (local.set $ALlog
    (f32x4.add
      (f32x4.mul (local.get $ALef) (v128.const i32x4 0x3f317200 0x3f317200 0x3f317200 0x3f317200))
      (f32x4.add
        (f32x4.add (local.get $ALss) (f32x4.mul (local.get $ALss) (local.get $ALp)))
        (f32x4.mul (local.get $ALef) (v128.const i32x4 0x35bfbe8e 0x35bfbe8e 0x35bfbe8e 0x35bfbe8e)))))
    (local.set $Ar (f32x4.sqrt (f32x4.mul (v128.const i32x4 0xc0000000 0xc0000000 0xc0000000 0xc0000000) (local.get $ALlog))))
    (local.set $Aj (i32x4.shr_u (local.get $c1) (i32.const 8)))
    (local.set $Aq (i32x4.shr_u (i32x4.add (local.get $Aj) (v128.const i32x4 0x200000 0x200000 0x200000 0x200000)) (i32.const 22)))
    (local.set $Ax (f32x4.mul
      (f32x4.convert_i32x4_s (i32x4.sub (local.get $Aj) (i32x4.shl (local.get $Aq) (i32.const 22))))
      (v128.const i32x4 0x34c90fdb 0x34c90fdb 0x34c90fdb 0x34c90fdb)))
    (local.set $Ax2 (f32x4.mul (local.get $Ax) (local.get $Ax)))
    (local.set $As (f32x4.add (f32x4.mul (local.get $Ax2) (v128.const i32x4 0x3638ef1d 0x3638ef1d 0x3638ef1d 0x3638ef1d))
                             (v128.const i32x4 0xb9500d01 0xb9500d01 0xb9500d01 0xb9500d01)))
    (local.set $As (f32x4.add (f32x4.mul (local.get $As) (local.get $Ax2)) (v128.const i32x4 0x3c088889 0x3c088889 0x3c088889 0x3c088889)))
    (local.set $As (f32x4.add (f32x4.mul (local.get $As) (local.get $Ax2)) (v128.const i32x4 0xbe2aaaab 0xbe2aaaab 0xbe2aaaab 0xbe2aaaab)))
    (local.set $As (f32x4.add (local.get $Ax) (f32x4.mul (f32x4.mul (local.get $As) (local.get $Ax2)) (local.get $Ax))))
    (local.set $Ac (f32x4.add (f32x4.mul (local.get $Ax2) (v128.const i32x4 0xb493f27e 0xb493f27e 0xb493f27e 0xb493f27e))
                             (v128.const i32x4 0x37d00d01 0x37d00d01 0x37d00d01 0x37d00d01)))
    (local.set $Ac (f32x4.add (f32x4.mul (local.get $Ac) (local.get $Ax2)) (v128.const i32x4 0xbab60b61 0xbab60b61 0xbab60b61 0xbab60b61)))
    (local.set $Ac (f32x4.add (f32x4.mul (local.get $Ac) (local.get $Ax2)) (v128.const i32x4 0x3d2aaaab 0x3d2aaaab 0x3d2aaaab 0x3d2aaaab)))
    (local.set $Ac (f32x4.add (f32x4.mul (local.get $Ac) (local.get $Ax2)) (v128.const i32x4 0xbf000000 0xbf000000 0xbf000000 0xbf000000)))
    (local.set $Ac (f32x4.add (v128.const i32x4 0x3f800000 0x3f800000 0x3f800000 0x3f800000) (f32x4.mul (local.get $Ac) (local.get $Ax2))))
    ;; Quadrant q: odd q swaps sin and cos; sin is negated for q & 2, cos for (q + 1) & 2.
    (local.set $Aswap (i32x4.eq (v128.and (local.get $Aq) (v128.const i32x4 1 1 1 1)) (v128.const i32x4 1 1 1 1)))
    (local.set $Asin (v128.xor (v128.bitselect (local.get $Ac) (local.get $As) (local.get $Aswap))
                              (i32x4.shl (v128.and (local.get $Aq) (v128.const i32x4 2 2 2 2)) (i32.const 30))))
    (local.set $Acos (v128.xor (v128.bitselect (local.get $As) (local.get $Ac) (local.get $Aswap))
                              (i32x4.shl (v128.and (i32x4.add (local.get $Aq) (v128.const i32x4 1 1 1 1)) (v128.const i32x4 2 2 2 2)) (i32.const 30))))
    (local.set $z0 (f32x4.mul (f32x4.mul (local.get $Ar) (local.get $Acos)) (local.get $std)))
    (local.set $z1 (f32x4.mul (f32x4.mul (local.get $Ar) (local.get $Asin)) (local.get $std)))
    ;; ln(k 2^-24) for k = (a >> 8) + 1 (philox.ts logUnit), then r, sin and cos of the turn b.
    (local.set $BLk (i32x4.add (i32x4.shr_u (local.get $c2) (i32.const 8)) (v128.const i32x4 1 1 1 1)))
    ;; k <= 2^24 converts exactly; its exponent and mantissa are read from the bits.
    (local.set $BLbits (f32x4.convert_i32x4_s (local.get $BLk)))
    (local.set $BLe (i32x4.sub (i32x4.shr_u (local.get $BLbits) (i32.const 23)) (v128.const i32x4 151 151 151 151)))
    (local.set $BLm (v128.or (v128.and (local.get $BLbits) (v128.const i32x4 0x007fffff 0x007fffff 0x007fffff 0x007fffff))
                           (v128.const i32x4 0x3f800000 0x3f800000 0x3f800000 0x3f800000)))
    (local.set $BLmask (f32x4.gt (local.get $BLm) (v128.const i32x4 0x3fb504f3 0x3fb504f3 0x3fb504f3 0x3fb504f3)))
    (local.set $BLm (v128.bitselect
      (f32x4.mul (local.get $BLm) (v128.const i32x4 0x3f000000 0x3f000000 0x3f000000 0x3f000000))
      (local.get $BLm) (local.get $BLmask)))
    (local.set $BLe (i32x4.sub (local.get $BLe) (local.get $BLmask)))
    (local.set $BLs (f32x4.div
      (f32x4.sub (local.get $BLm) (v128.const i32x4 0x3f800000 0x3f800000 0x3f800000 0x3f800000))
      (f32x4.add (local.get $BLm) (v128.const i32x4 0x3f800000 0x3f800000 0x3f800000 0x3f800000))))
    (local.set $BLz (f32x4.mul (local.get $BLs) (local.get $BLs)))
    (local.set $BLp (f32x4.add (f32x4.mul (local.get $BLz) (v128.const i32x4 0x3de38e39 0x3de38e39 0x3de38e39 0x3de38e39))
                             (v128.const i32x4 0x3e124925 0x3e124925 0x3e124925 0x3e124925)))
    (local.set $BLp (f32x4.add (f32x4.mul (local.get $BLp) (local.get $BLz)) (v128.const i32x4 0x3e4ccccd 0x3e4ccccd 0x3e4ccccd 0x3e4ccccd)))
    (local.set $BLp (f32x4.add (f32x4.mul (local.get $BLp) (local.get $BLz)) (v128.const i32x4 0x3eaaaaab 0x3eaaaaab 0x3eaaaaab 0x3eaaaaab)))
    (local.set $BLp (f32x4.mul (local.get $BLp) (local.get $BLz)))
    (local.set $BLss (f32x4.add (local.get $BLs) (local.get $BLs)))
    (local.set $BLef (f32x4.convert_i32x4_s (local.get $BLe)))
    (local.set $BLlog
    (f32x4.add
      (f32x4.mul (local.get $BLef) (v128.const i32x4 0x3f317200 0x3f317200 0x3f317200 0x3f317200))
      (f32x4.add
        (f32x4.add (local.get $BLss) (f32x4.mul (local.get $BLss) (local.get $BLp)))
        (f32x4.mul (local.get $BLef) (v128.const i32x4 0x35bfbe8e 0x35bfbe8e 0x35bfbe8e 0x35bfbe8e)))))
    (local.set $Br (f32x4.sqrt (f32x4.mul (v128.const i32x4 0xc0000000 0xc0000000 0xc0000000 0xc0000000) (local.get $BLlog))))
    (local.set $Bj (i32x4.shr_u (local.get $c3) (i32.const 8)))
    (local.set $Bq (i32x4.shr_u (i32x4.add (local.get $Bj) (v128.const i32x4 0x200000 0x200000 0x200000 0x200000)) (i32.const 22)))
    (local.set $Bx (f32x4.mul
      (f32x4.convert_i32x4_s (i32x4.sub (local.get $Bj) (i32x4.shl (local.get $Bq) (i32.const 22))))
      (v128.const i32x4 0x34c90fdb 0x34c90fdb 0x34c90fdb 0x34c90fdb)))
    (local.set $Bx2 (f32x4.mul (local.get $Bx) (local.get $Bx)))
    (local.set $Bs (f32x4.add (f32x4.mul (local.get $Bx2) (v128.const i32x4 0x3638ef1d 0x3638ef1d 0x3638ef1d 0x3638ef1d))
                             (v128.const i32x4 0xb9500d01 0xb9500d01 0xb9500d01 0xb9500d01)))
    (local.set $Bs (f32x4.add (f32x4.mul (local.get $Bs) (local.get $Bx2)) (v128.const i32x4 0x3c088889 0x3c088889 0x3c088889 0x3c088889)))
    (local.set $Bs (f32x4.add (f32x4.mul (local.get $Bs) (local.get $Bx2)) (v128.const i32x4 0xbe2aaaab 0xbe2aaaab 0xbe2aaaab 0xbe2aaaab)))
    (local.set $Bs (f32x4.add (local.get $Bx) (f32x4.mul (f32x4.mul (local.get $Bs) (local.get $Bx2)) (local.get $Bx))))
    (local.set $Bc (f32x4.add (f32x4.mul (local.get $Bx2) (v128.const i32x4 0xb493f27e 0xb493f27e 0xb493f27e 0xb493f27e))
                             (v128.const i32x4 0x37d00d01 0x37d00d01 0x37d00d01 0x37d00d01)))
    (local.set $Bc (f32x4.add (f32x4.mul (local.get $Bc) (local.get $Bx2)) (v128.const i32x4 0xbab60b61 0xbab60b61 0xbab60b61 0xbab60b61)))
    (local.set $Bc (f32x4.add (f32x4.mul (local.get $Bc) (local.get $Bx2)) (v128.const i32x4 0x3d2aaaab 0x3d2aaaab 0x3d2aaaab 0x3d2aaaab)))
    (local.set $Bc (f32x4.add (f32x4.mul (local.get $Bc) (local.get $Bx2)) (v128.const i32x4 0xbf000000 0xbf000000 0xbf000000 0xbf000000)))
    (local.set $Bc (f32x4.add (v128.const i32x4 0x3f800000 0x3f800000 0x3f800000 0x3f800000) (f32x4.mul (local.get $Bc) (local.get $Bx2))))
    ;; Quadrant q: odd q swaps sin and cos; sin is negated for q & 2, cos for (q + 1) & 2.
    (local.set $Bswap (i32x4.eq (v128.and (local.get $Bq) (v128.const i32x4 1 1 1 1)) (v128.const i32x4 1 1 1 1)))
    (local.set $Bsin (v128.xor (v128.bitselect (local.get $Bc) (local.get $Bs) (local.get $Bswap))
                              (i32x4.shl (v128.and (local.get $Bq) (v128.const i32x4 2 2 2 2)) (i32.const 30))))
    (local.set $Bcos (v128.xor (v128.bitselect (local.get $Bs) (local.get $Bc) (local.get $Bswap))
                              (i32x4.shl (v128.and (i32x4.add (local.get $Bq) (v128.const i32x4 1 1 1 1)) (v128.const i32x4 2 2 2 2)) (i32.const 30))))
    (local.set $z2 (f32x4.mul (f32x4.mul (local.get $Br) (local.get $Bcos)) (local.get $std)))
    (local.set $z3 (f32x4.mul (f32x4.mul (local.get $Br) (local.get $Bsin)) (local.get $std)))
    ;; Transpose: lane l of z0..z3 is block b+l; memory wants block by block.
    (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $z0) (local.get $z1)))
    (local.set $t1 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $z2) (local.get $z3)))
    (local.set $t2 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $z0) (local.get $z1)))
    (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $z2) (local.get $z3)))
    (local.set $o0 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t1)))
    (local.set $o1 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t1)))
    (local.set $o2 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t2) (local.get $t3)))
    (local.set $o3 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t2) (local.get $t3)))
    (if (local.get $add) (then
      (local.set $o0 (f32x4.add (v128.load offset=0 (local.get $src)) (local.get $o0)))
      (local.set $o1 (f32x4.add (v128.load offset=16 (local.get $src)) (local.get $o1)))
      (local.set $o2 (f32x4.add (v128.load offset=32 (local.get $src)) (local.get $o2)))
      (local.set $o3 (f32x4.add (v128.load offset=48 (local.get $src)) (local.get $o3)))
    ))
    (v128.store offset=0 (local.get $dst) (local.get $o0))
    (v128.store offset=16 (local.get $dst) (local.get $o1))
    (v128.store offset=32 (local.get $dst) (local.get $o2))
    (v128.store offset=48 (local.get $dst) (local.get $o3))
    ;; Box-Muller on words (a, b) = (c0, c1), then (c2, c3) (philox.ts boxMuller, sinCosTurn), times std.
    ;; ln(k 2^-24) for k = (a >> 8) + 1 (philox.ts logUnit), then r, sin and cos of the turn b.
    (local.set $CLk (i32x4.add (i32x4.shr_u (local.get $d0) (i32.const 8)) (v128.const i32x4 1 1 1 1)))
    ;; k <= 2^24 converts exactly; its exponent and mantissa are read from the bits.
    (local.set $CLbits (f32x4.convert_i32x4_s (local.get $CLk)))
    (local.set $CLe (i32x4.sub (i32x4.shr_u (local.get $CLbits) (i32.const 23)) (v128.const i32x4 151 151 151 151)))
    (local.set $CLm (v128.or (v128.and (local.get $CLbits) (v128.const i32x4 0x007fffff 0x007fffff 0x007fffff 0x007fffff))
                           (v128.const i32x4 0x3f800000 0x3f800000 0x3f800000 0x3f800000)))
    (local.set $CLmask (f32x4.gt (local.get $CLm) (v128.const i32x4 0x3fb504f3 0x3fb504f3 0x3fb504f3 0x3fb504f3)))
    (local.set $CLm (v128.bitselect
      (f32x4.mul (local.get $CLm) (v128.const i32x4 0x3f000000 0x3f000000 0x3f000000 0x3f000000))
      (local.get $CLm) (local.get $CLmask)))
    (local.set $CLe (i32x4.sub (local.get $CLe) (local.get $CLmask)))
    (local.set $CLs (f32x4.div
      (f32x4.sub (local.get $CLm) (v128.const i32x4 0x3f800000 0x3f800000 0x3f800000 0x3f800000))
      (f32x4.add (local.get $CLm) (v128.const i32x4 0x3f800000 0x3f800000 0x3f800000 0x3f800000))))
    (local.set $CLz (f32x4.mul (local.get $CLs) (local.get $CLs)))
    (local.set $CLp (f32x4.add (f32x4.mul (local.get $CLz) (v128.const i32x4 0x3de38e39 0x3de38e39 0x3de38e39 0x3de38e39))
                             (v128.const i32x4 0x3e124925 0x3e124925 0x3e124925 0x3e124925)))
    (local.set $CLp (f32x4.add (f32x4.mul (local.get $CLp) (local.get $CLz)) (v128.const i32x4 0x3e4ccccd 0x3e4ccccd 0x3e4ccccd 0x3e4ccccd)))
    (local.set $CLp (f32x4.add (f32x4.mul (local.get $CLp) (local.get $CLz)) (v128.const i32x4 0x3eaaaaab 0x3eaaaaab 0x3eaaaaab 0x3eaaaaab)))
    (local.set $CLp (f32x4.mul (local.get $CLp) (local.get $CLz)))
    (local.set $CLss (f32x4.add (local.get $CLs) (local.get $CLs)))
    (local.set $CLef (f32x4.convert_i32x4_s (local.get $CLe)))
    (local.set $CLlog
    (f32x4.add
      (f32x4.mul (local.get $CLef) (v128.const i32x4 0x3f317200 0x3f317200 0x3f317200 0x3f317200))
      (f32x4.add
        (f32x4.add (local.get $CLss) (f32x4.mul (local.get $CLss) (local.get $CLp)))
        (f32x4.mul (local.get $CLef) (v128.const i32x4 0x35bfbe8e 0x35bfbe8e 0x35bfbe8e 0x35bfbe8e)))))
    (local.set $Cr (f32x4.sqrt (f32x4.mul (v128.const i32x4 0xc0000000 0xc0000000 0xc0000000 0xc0000000) (local.get $CLlog))))
    (local.set $Cj (i32x4.shr_u (local.get $d1) (i32.const 8)))
    (local.set $Cq (i32x4.shr_u (i32x4.add (local.get $Cj) (v128.const i32x4 0x200000 0x200000 0x200000 0x200000)) (i32.const 22)))
    (local.set $Cx (f32x4.mul
      (f32x4.convert_i32x4_s (i32x4.sub (local.get $Cj) (i32x4.shl (local.get $Cq) (i32.const 22))))
      (v128.const i32x4 0x34c90fdb 0x34c90fdb 0x34c90fdb 0x34c90fdb)))
    (local.set $Cx2 (f32x4.mul (local.get $Cx) (local.get $Cx)))
    (local.set $Cs (f32x4.add (f32x4.mul (local.get $Cx2) (v128.const i32x4 0x3638ef1d 0x3638ef1d 0x3638ef1d 0x3638ef1d))
                             (v128.const i32x4 0xb9500d01 0xb9500d01 0xb9500d01 0xb9500d01)))
    (local.set $Cs (f32x4.add (f32x4.mul (local.get $Cs) (local.get $Cx2)) (v128.const i32x4 0x3c088889 0x3c088889 0x3c088889 0x3c088889)))
    (local.set $Cs (f32x4.add (f32x4.mul (local.get $Cs) (local.get $Cx2)) (v128.const i32x4 0xbe2aaaab 0xbe2aaaab 0xbe2aaaab 0xbe2aaaab)))
    (local.set $Cs (f32x4.add (local.get $Cx) (f32x4.mul (f32x4.mul (local.get $Cs) (local.get $Cx2)) (local.get $Cx))))
    (local.set $Cc (f32x4.add (f32x4.mul (local.get $Cx2) (v128.const i32x4 0xb493f27e 0xb493f27e 0xb493f27e 0xb493f27e))
                             (v128.const i32x4 0x37d00d01 0x37d00d01 0x37d00d01 0x37d00d01)))
    (local.set $Cc (f32x4.add (f32x4.mul (local.get $Cc) (local.get $Cx2)) (v128.const i32x4 0xbab60b61 0xbab60b61 0xbab60b61 0xbab60b61)))
    (local.set $Cc (f32x4.add (f32x4.mul (local.get $Cc) (local.get $Cx2)) (v128.const i32x4 0x3d2aaaab 0x3d2aaaab 0x3d2aaaab 0x3d2aaaab)))
    (local.set $Cc (f32x4.add (f32x4.mul (local.get $Cc) (local.get $Cx2)) (v128.const i32x4 0xbf000000 0xbf000000 0xbf000000 0xbf000000)))
    (local.set $Cc (f32x4.add (v128.const i32x4 0x3f800000 0x3f800000 0x3f800000 0x3f800000) (f32x4.mul (local.get $Cc) (local.get $Cx2))))
    ;; Quadrant q: odd q swaps sin and cos; sin is negated for q & 2, cos for (q + 1) & 2.
    (local.set $Cswap (i32x4.eq (v128.and (local.get $Cq) (v128.const i32x4 1 1 1 1)) (v128.const i32x4 1 1 1 1)))
    (local.set $Csin (v128.xor (v128.bitselect (local.get $Cc) (local.get $Cs) (local.get $Cswap))
                              (i32x4.shl (v128.and (local.get $Cq) (v128.const i32x4 2 2 2 2)) (i32.const 30))))
    (local.set $Ccos (v128.xor (v128.bitselect (local.get $Cs) (local.get $Cc) (local.get $Cswap))
                              (i32x4.shl (v128.and (i32x4.add (local.get $Cq) (v128.const i32x4 1 1 1 1)) (v128.const i32x4 2 2 2 2)) (i32.const 30))))
    (local.set $z0 (f32x4.mul (f32x4.mul (local.get $Cr) (local.get $Ccos)) (local.get $std)))
    (local.set $z1 (f32x4.mul (f32x4.mul (local.get $Cr) (local.get $Csin)) (local.get $std)))
    ;; ln(k 2^-24) for k = (a >> 8) + 1 (philox.ts logUnit), then r, sin and cos of the turn b.
    (local.set $DLk (i32x4.add (i32x4.shr_u (local.get $d2) (i32.const 8)) (v128.const i32x4 1 1 1 1)))
    ;; k <= 2^24 converts exactly; its exponent and mantissa are read from the bits.
    (local.set $DLbits (f32x4.convert_i32x4_s (local.get $DLk)))
    (local.set $DLe (i32x4.sub (i32x4.shr_u (local.get $DLbits) (i32.const 23)) (v128.const i32x4 151 151 151 151)))
    (local.set $DLm (v128.or (v128.and (local.get $DLbits) (v128.const i32x4 0x007fffff 0x007fffff 0x007fffff 0x007fffff))
                           (v128.const i32x4 0x3f800000 0x3f800000 0x3f800000 0x3f800000)))
    (local.set $DLmask (f32x4.gt (local.get $DLm) (v128.const i32x4 0x3fb504f3 0x3fb504f3 0x3fb504f3 0x3fb504f3)))
    (local.set $DLm (v128.bitselect
      (f32x4.mul (local.get $DLm) (v128.const i32x4 0x3f000000 0x3f000000 0x3f000000 0x3f000000))
      (local.get $DLm) (local.get $DLmask)))
    (local.set $DLe (i32x4.sub (local.get $DLe) (local.get $DLmask)))
    (local.set $DLs (f32x4.div
      (f32x4.sub (local.get $DLm) (v128.const i32x4 0x3f800000 0x3f800000 0x3f800000 0x3f800000))
      (f32x4.add (local.get $DLm) (v128.const i32x4 0x3f800000 0x3f800000 0x3f800000 0x3f800000))))
    (local.set $DLz (f32x4.mul (local.get $DLs) (local.get $DLs)))
    (local.set $DLp (f32x4.add (f32x4.mul (local.get $DLz) (v128.const i32x4 0x3de38e39 0x3de38e39 0x3de38e39 0x3de38e39))
                             (v128.const i32x4 0x3e124925 0x3e124925 0x3e124925 0x3e124925)))
    (local.set $DLp (f32x4.add (f32x4.mul (local.get $DLp) (local.get $DLz)) (v128.const i32x4 0x3e4ccccd 0x3e4ccccd 0x3e4ccccd 0x3e4ccccd)))
    (local.set $DLp (f32x4.add (f32x4.mul (local.get $DLp) (local.get $DLz)) (v128.const i32x4 0x3eaaaaab 0x3eaaaaab 0x3eaaaaab 0x3eaaaaab)))
    (local.set $DLp (f32x4.mul (local.get $DLp) (local.get $DLz)))
    (local.set $DLss (f32x4.add (local.get $DLs) (local.get $DLs)))
    (local.set $DLef (f32x4.convert_i32x4_s (local.get $DLe)))
    (local.set $DLlog
    (f32x4.add
      (f32x4.mul (local.get $DLef) (v128.const i32x4 0x3f317200 0x3f317200 0x3f317200 0x3f317200))
      (f32x4.add
        (f32x4.add (local.get $DLss) (f32x4.mul (local.get $DLss) (local.get $DLp)))
        (f32x4.mul (local.get $DLef) (v128.const i32x4 0x35bfbe8e 0x35bfbe8e 0x35bfbe8e 0x35bfbe8e)))))
    (local.set $Dr (f32x4.sqrt (f32x4.mul (v128.const i32x4 0xc0000000 0xc0000000 0xc0000000 0xc0000000) (local.get $DLlog))))
    (local.set $Dj (i32x4.shr_u (local.get $d3) (i32.const 8)))
    (local.set $Dq (i32x4.shr_u (i32x4.add (local.get $Dj) (v128.const i32x4 0x200000 0x200000 0x200000 0x200000)) (i32.const 22)))
    (local.set $Dx (f32x4.mul
      (f32x4.convert_i32x4_s (i32x4.sub (local.get $Dj) (i32x4.shl (local.get $Dq) (i32.const 22))))
      (v128.const i32x4 0x34c90fdb 0x34c90fdb 0x34c90fdb 0x34c90fdb)))
    (local.set $Dx2 (f32x4.mul (local.get $Dx) (local.get $Dx)))
    (local.set $Ds (f32x4.add (f32x4.mul (local.get $Dx2) (v128.const i32x4 0x3638ef1d 0x3638ef1d 0x3638ef1d 0x3638ef1d))
                             (v128.const i32x4 0xb9500d01 0xb9500d01 0xb9500d01 0xb9500d01)))
    (local.set $Ds (f32x4.add (f32x4.mul (local.get $Ds) (local.get $Dx2)) (v128.const i32x4 0x3c088889 0x3c088889 0x3c088889 0x3c088889)))
    (local.set $Ds (f32x4.add (f32x4.mul (local.get $Ds) (local.get $Dx2)) (v128.const i32x4 0xbe2aaaab 0xbe2aaaab 0xbe2aaaab 0xbe2aaaab)))
    (local.set $Ds (f32x4.add (local.get $Dx) (f32x4.mul (f32x4.mul (local.get $Ds) (local.get $Dx2)) (local.get $Dx))))
    (local.set $Dc (f32x4.add (f32x4.mul (local.get $Dx2) (v128.const i32x4 0xb493f27e 0xb493f27e 0xb493f27e 0xb493f27e))
                             (v128.const i32x4 0x37d00d01 0x37d00d01 0x37d00d01 0x37d00d01)))
    (local.set $Dc (f32x4.add (f32x4.mul (local.get $Dc) (local.get $Dx2)) (v128.const i32x4 0xbab60b61 0xbab60b61 0xbab60b61 0xbab60b61)))
    (local.set $Dc (f32x4.add (f32x4.mul (local.get $Dc) (local.get $Dx2)) (v128.const i32x4 0x3d2aaaab 0x3d2aaaab 0x3d2aaaab 0x3d2aaaab)))
    (local.set $Dc (f32x4.add (f32x4.mul (local.get $Dc) (local.get $Dx2)) (v128.const i32x4 0xbf000000 0xbf000000 0xbf000000 0xbf000000)))
    (local.set $Dc (f32x4.add (v128.const i32x4 0x3f800000 0x3f800000 0x3f800000 0x3f800000) (f32x4.mul (local.get $Dc) (local.get $Dx2))))
    ;; Quadrant q: odd q swaps sin and cos; sin is negated for q & 2, cos for (q + 1) & 2.
    (local.set $Dswap (i32x4.eq (v128.and (local.get $Dq) (v128.const i32x4 1 1 1 1)) (v128.const i32x4 1 1 1 1)))
    (local.set $Dsin (v128.xor (v128.bitselect (local.get $Dc) (local.get $Ds) (local.get $Dswap))
                              (i32x4.shl (v128.and (local.get $Dq) (v128.const i32x4 2 2 2 2)) (i32.const 30))))
    (local.set $Dcos (v128.xor (v128.bitselect (local.get $Ds) (local.get $Dc) (local.get $Dswap))
                              (i32x4.shl (v128.and (i32x4.add (local.get $Dq) (v128.const i32x4 1 1 1 1)) (v128.const i32x4 2 2 2 2)) (i32.const 30))))
    (local.set $z2 (f32x4.mul (f32x4.mul (local.get $Dr) (local.get $Dcos)) (local.get $std)))
    (local.set $z3 (f32x4.mul (f32x4.mul (local.get $Dr) (local.get $Dsin)) (local.get $std)))
    ;; Transpose: lane l of z0..z3 is block b+l; memory wants block by block.
    (local.set $u0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $z0) (local.get $z1)))
    (local.set $u1 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $z2) (local.get $z3)))
    (local.set $t2 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $z0) (local.get $z1)))
    (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $z2) (local.get $z3)))
    (local.set $o0 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $u0) (local.get $u1)))
    (local.set $o1 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $u0) (local.get $u1)))
    (local.set $o2 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t2) (local.get $t3)))
    (local.set $o3 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t2) (local.get $t3)))
    (if (local.get $add) (then
      (local.set $o0 (f32x4.add (v128.load offset=64 (local.get $src)) (local.get $o0)))
      (local.set $o1 (f32x4.add (v128.load offset=80 (local.get $src)) (local.get $o1)))
      (local.set $o2 (f32x4.add (v128.load offset=96 (local.get $src)) (local.get $o2)))
      (local.set $o3 (f32x4.add (v128.load offset=112 (local.get $src)) (local.get $o3)))
    ))
    (v128.store offset=64 (local.get $dst) (local.get $o0))
    (v128.store offset=80 (local.get $dst) (local.get $o1))
    (v128.store offset=96 (local.get $dst) (local.get $o2))
    (v128.store offset=112 (local.get $dst) (local.get $o3))
    (local.set $b (i32.add (local.get $b) (i32.const 8)))
    (local.set $dst (i32.add (local.get $dst) (i32.const 128)))
    (local.set $src (i32.add (local.get $src) (i32.const 128)))
    (local.set $n (i32.sub (local.get $n) (i32.const 2)))
    (br $pairs)))
    (if (i32.eqz (local.get $n)) (then (return)))
    (loop $next
    (local.set $rk0 (local.get $k0))
    (local.set $rk1 (local.get $k1))
    (local.set $r (i32.const 0))
    (local.set $c0 (i32x4.add (i32x4.splat (local.get $b)) (v128.const i32x4 0 1 2 3)))
    (local.set $c1 (v128.const i32x4 0 0 0 0))
    (local.set $c2 (i32x4.splat (local.get $p)))
    (local.set $c3 (v128.const i32x4 0 0 0 0))
    ;; Each round: the high halves of the products by two 64-bit extmuls and a shuffle (written out: no call per round).
    (loop $round
      (local.set $h0 (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31
        (i64x2.extmul_low_i32x4_u (local.get $c0) (v128.const i32x4 0xd2511f53 0xd2511f53 0xd2511f53 0xd2511f53)) (i64x2.extmul_high_i32x4_u (local.get $c0) (v128.const i32x4 0xd2511f53 0xd2511f53 0xd2511f53 0xd2511f53))))
      (local.set $h1 (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31
        (i64x2.extmul_low_i32x4_u (local.get $c2) (v128.const i32x4 0xcd9e8d57 0xcd9e8d57 0xcd9e8d57 0xcd9e8d57)) (i64x2.extmul_high_i32x4_u (local.get $c2) (v128.const i32x4 0xcd9e8d57 0xcd9e8d57 0xcd9e8d57 0xcd9e8d57))))
      (local.set $t0 (i32x4.mul (local.get $c0) (v128.const i32x4 0xd2511f53 0xd2511f53 0xd2511f53 0xd2511f53)))
      (local.set $t1 (i32x4.mul (local.get $c2) (v128.const i32x4 0xcd9e8d57 0xcd9e8d57 0xcd9e8d57 0xcd9e8d57)))
      (local.set $c0 (v128.xor (v128.xor (local.get $h1) (local.get $c1)) (i32x4.splat (local.get $rk0))))
      (local.set $c2 (v128.xor (v128.xor (local.get $h0) (local.get $c3)) (i32x4.splat (local.get $rk1))))
      (local.set $c1 (local.get $t1))
      (local.set $c3 (local.get $t0))
      (local.set $rk0 (i32.add (local.get $rk0) (i32.const 0x9e3779b9)))
      (local.set $rk1 (i32.add (local.get $rk1) (i32.const 0xbb67ae85)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br_if $round (i32.lt_u (local.get $r) (i32.const 10))))
    ;; Box-Muller on words (a, b) = (c0, c1), then (c2, c3) (philox.ts boxMuller, sinCosTurn), times std.
    ;; ln(k 2^-24) for k = (a >> 8) + 1 (philox.ts logUnit), then r, sin and cos of the turn b.
    (local.set $ALk (i32x4.add (i32x4.shr_u (local.get $c0) (i32.const 8)) (v128.const i32x4 1 1 1 1)))
    ;; k <= 2^24 converts exactly; its exponent and mantissa are read from the bits.
    (local.set $ALbits (f32x4.convert_i32x4_s (local.get $ALk)))
    (local.set $ALe (i32x4.sub (i32x4.shr_u (local.get $ALbits) (i32.const 23)) (v128.const i32x4 151 151 151 151)))
    (local.set $ALm (v128.or (v128.and (local.get $ALbits) (v128.const i32x4 0x007fffff 0x007fffff 0x007fffff 0x007fffff))
                           (v128.const i32x4 0x3f800000 0x3f800000 0x3f800000 0x3f800000)))
    (local.set $ALmask (f32x4.gt (local.get $ALm) (v128.const i32x4 0x3fb504f3 0x3fb504f3 0x3fb504f3 0x3fb504f3)))
    (local.set $ALm (v128.bitselect
      (f32x4.mul (local.get $ALm) (v128.const i32x4 0x3f000000 0x3f000000 0x3f000000 0x3f000000))
      (local.get $ALm) (local.get $ALmask)))
    (local.set $ALe (i32x4.sub (local.get $ALe) (local.get $ALmask)))
    (local.set $ALs (f32x4.div
      (f32x4.sub (local.get $ALm) (v128.const i32x4 0x3f800000 0x3f800000 0x3f800000 0x3f800000))
      (f32x4.add (local.get $ALm) (v128.const i32x4 0x3f800000 0x3f800000 0x3f800000 0x3f800000))))
    (local.set $ALz (f32x4.mul (local.get $ALs) (local.get $ALs)))
    (local.set $ALp (f32x4.add (f32x4.mul (local.get $ALz) (v128.const i32x4 0x3de38e39 0x3de38e39 0x3de38e39 0x3de38e39))
                             (v128.const i32x4 0x3e124925 0x3e124925 0x3e124925 0x3e124925)))
    (local.set $ALp (f32x4.add (f32x4.mul (local.get $ALp) (local.get $ALz)) (v128.const i32x4 0x3e4ccccd 0x3e4ccccd 0x3e4ccccd 0x3e4ccccd)))
    (local.set $ALp (f32x4.add (f32x4.mul (local.get $ALp) (local.get $ALz)) (v128.const i32x4 0x3eaaaaab 0x3eaaaaab 0x3eaaaaab 0x3eaaaaab)))
    (local.set $ALp (f32x4.mul (local.get $ALp) (local.get $ALz)))
    (local.set $ALss (f32x4.add (local.get $ALs) (local.get $ALs)))
    (local.set $ALef (f32x4.convert_i32x4_s (local.get $ALe)))
    (local.set $ALlog
    (f32x4.add
      (f32x4.mul (local.get $ALef) (v128.const i32x4 0x3f317200 0x3f317200 0x3f317200 0x3f317200))
      (f32x4.add
        (f32x4.add (local.get $ALss) (f32x4.mul (local.get $ALss) (local.get $ALp)))
        (f32x4.mul (local.get $ALef) (v128.const i32x4 0x35bfbe8e 0x35bfbe8e 0x35bfbe8e 0x35bfbe8e)))))
    (local.set $Ar (f32x4.sqrt (f32x4.mul (v128.const i32x4 0xc0000000 0xc0000000 0xc0000000 0xc0000000) (local.get $ALlog))))
    (local.set $Aj (i32x4.shr_u (local.get $c1) (i32.const 8)))
    (local.set $Aq (i32x4.shr_u (i32x4.add (local.get $Aj) (v128.const i32x4 0x200000 0x200000 0x200000 0x200000)) (i32.const 22)))
    (local.set $Ax (f32x4.mul
      (f32x4.convert_i32x4_s (i32x4.sub (local.get $Aj) (i32x4.shl (local.get $Aq) (i32.const 22))))
      (v128.const i32x4 0x34c90fdb 0x34c90fdb 0x34c90fdb 0x34c90fdb)))
    (local.set $Ax2 (f32x4.mul (local.get $Ax) (local.get $Ax)))
    (local.set $As (f32x4.add (f32x4.mul (local.get $Ax2) (v128.const i32x4 0x3638ef1d 0x3638ef1d 0x3638ef1d 0x3638ef1d))
                             (v128.const i32x4 0xb9500d01 0xb9500d01 0xb9500d01 0xb9500d01)))
    (local.set $As (f32x4.add (f32x4.mul (local.get $As) (local.get $Ax2)) (v128.const i32x4 0x3c088889 0x3c088889 0x3c088889 0x3c088889)))
    (local.set $As (f32x4.add (f32x4.mul (local.get $As) (local.get $Ax2)) (v128.const i32x4 0xbe2aaaab 0xbe2aaaab 0xbe2aaaab 0xbe2aaaab)))
    (local.set $As (f32x4.add (local.get $Ax) (f32x4.mul (f32x4.mul (local.get $As) (local.get $Ax2)) (local.get $Ax))))
    (local.set $Ac (f32x4.add (f32x4.mul (local.get $Ax2) (v128.const i32x4 0xb493f27e 0xb493f27e 0xb493f27e 0xb493f27e))
                             (v128.const i32x4 0x37d00d01 0x37d00d01 0x37d00d01 0x37d00d01)))
    (local.set $Ac (f32x4.add (f32x4.mul (local.get $Ac) (local.get $Ax2)) (v128.const i32x4 0xbab60b61 0xbab60b61 0xbab60b61 0xbab60b61)))
    (local.set $Ac (f32x4.add (f32x4.mul (local.get $Ac) (local.get $Ax2)) (v128.const i32x4 0x3d2aaaab 0x3d2aaaab 0x3d2aaaab 0x3d2aaaab)))
    (local.set $Ac (f32x4.add (f32x4.mul (local.get $Ac) (local.get $Ax2)) (v128.const i32x4 0xbf000000 0xbf000000 0xbf000000 0xbf000000)))
    (local.set $Ac (f32x4.add (v128.const i32x4 0x3f800000 0x3f800000 0x3f800000 0x3f800000) (f32x4.mul (local.get $Ac) (local.get $Ax2))))
    ;; Quadrant q: odd q swaps sin and cos; sin is negated for q & 2, cos for (q + 1) & 2.
    (local.set $Aswap (i32x4.eq (v128.and (local.get $Aq) (v128.const i32x4 1 1 1 1)) (v128.const i32x4 1 1 1 1)))
    (local.set $Asin (v128.xor (v128.bitselect (local.get $Ac) (local.get $As) (local.get $Aswap))
                              (i32x4.shl (v128.and (local.get $Aq) (v128.const i32x4 2 2 2 2)) (i32.const 30))))
    (local.set $Acos (v128.xor (v128.bitselect (local.get $As) (local.get $Ac) (local.get $Aswap))
                              (i32x4.shl (v128.and (i32x4.add (local.get $Aq) (v128.const i32x4 1 1 1 1)) (v128.const i32x4 2 2 2 2)) (i32.const 30))))
    (local.set $z0 (f32x4.mul (f32x4.mul (local.get $Ar) (local.get $Acos)) (local.get $std)))
    (local.set $z1 (f32x4.mul (f32x4.mul (local.get $Ar) (local.get $Asin)) (local.get $std)))
    ;; ln(k 2^-24) for k = (a >> 8) + 1 (philox.ts logUnit), then r, sin and cos of the turn b.
    (local.set $BLk (i32x4.add (i32x4.shr_u (local.get $c2) (i32.const 8)) (v128.const i32x4 1 1 1 1)))
    ;; k <= 2^24 converts exactly; its exponent and mantissa are read from the bits.
    (local.set $BLbits (f32x4.convert_i32x4_s (local.get $BLk)))
    (local.set $BLe (i32x4.sub (i32x4.shr_u (local.get $BLbits) (i32.const 23)) (v128.const i32x4 151 151 151 151)))
    (local.set $BLm (v128.or (v128.and (local.get $BLbits) (v128.const i32x4 0x007fffff 0x007fffff 0x007fffff 0x007fffff))
                           (v128.const i32x4 0x3f800000 0x3f800000 0x3f800000 0x3f800000)))
    (local.set $BLmask (f32x4.gt (local.get $BLm) (v128.const i32x4 0x3fb504f3 0x3fb504f3 0x3fb504f3 0x3fb504f3)))
    (local.set $BLm (v128.bitselect
      (f32x4.mul (local.get $BLm) (v128.const i32x4 0x3f000000 0x3f000000 0x3f000000 0x3f000000))
      (local.get $BLm) (local.get $BLmask)))
    (local.set $BLe (i32x4.sub (local.get $BLe) (local.get $BLmask)))
    (local.set $BLs (f32x4.div
      (f32x4.sub (local.get $BLm) (v128.const i32x4 0x3f800000 0x3f800000 0x3f800000 0x3f800000))
      (f32x4.add (local.get $BLm) (v128.const i32x4 0x3f800000 0x3f800000 0x3f800000 0x3f800000))))
    (local.set $BLz (f32x4.mul (local.get $BLs) (local.get $BLs)))
    (local.set $BLp (f32x4.add (f32x4.mul (local.get $BLz) (v128.const i32x4 0x3de38e39 0x3de38e39 0x3de38e39 0x3de38e39))
                             (v128.const i32x4 0x3e124925 0x3e124925 0x3e124925 0x3e124925)))
    (local.set $BLp (f32x4.add (f32x4.mul (local.get $BLp) (local.get $BLz)) (v128.const i32x4 0x3e4ccccd 0x3e4ccccd 0x3e4ccccd 0x3e4ccccd)))
    (local.set $BLp (f32x4.add (f32x4.mul (local.get $BLp) (local.get $BLz)) (v128.const i32x4 0x3eaaaaab 0x3eaaaaab 0x3eaaaaab 0x3eaaaaab)))
    (local.set $BLp (f32x4.mul (local.get $BLp) (local.get $BLz)))
    (local.set $BLss (f32x4.add (local.get $BLs) (local.get $BLs)))
    (local.set $BLef (f32x4.convert_i32x4_s (local.get $BLe)))
    (local.set $BLlog
    (f32x4.add
      (f32x4.mul (local.get $BLef) (v128.const i32x4 0x3f317200 0x3f317200 0x3f317200 0x3f317200))
      (f32x4.add
        (f32x4.add (local.get $BLss) (f32x4.mul (local.get $BLss) (local.get $BLp)))
        (f32x4.mul (local.get $BLef) (v128.const i32x4 0x35bfbe8e 0x35bfbe8e 0x35bfbe8e 0x35bfbe8e)))))
    (local.set $Br (f32x4.sqrt (f32x4.mul (v128.const i32x4 0xc0000000 0xc0000000 0xc0000000 0xc0000000) (local.get $BLlog))))
    (local.set $Bj (i32x4.shr_u (local.get $c3) (i32.const 8)))
    (local.set $Bq (i32x4.shr_u (i32x4.add (local.get $Bj) (v128.const i32x4 0x200000 0x200000 0x200000 0x200000)) (i32.const 22)))
    (local.set $Bx (f32x4.mul
      (f32x4.convert_i32x4_s (i32x4.sub (local.get $Bj) (i32x4.shl (local.get $Bq) (i32.const 22))))
      (v128.const i32x4 0x34c90fdb 0x34c90fdb 0x34c90fdb 0x34c90fdb)))
    (local.set $Bx2 (f32x4.mul (local.get $Bx) (local.get $Bx)))
    (local.set $Bs (f32x4.add (f32x4.mul (local.get $Bx2) (v128.const i32x4 0x3638ef1d 0x3638ef1d 0x3638ef1d 0x3638ef1d))
                             (v128.const i32x4 0xb9500d01 0xb9500d01 0xb9500d01 0xb9500d01)))
    (local.set $Bs (f32x4.add (f32x4.mul (local.get $Bs) (local.get $Bx2)) (v128.const i32x4 0x3c088889 0x3c088889 0x3c088889 0x3c088889)))
    (local.set $Bs (f32x4.add (f32x4.mul (local.get $Bs) (local.get $Bx2)) (v128.const i32x4 0xbe2aaaab 0xbe2aaaab 0xbe2aaaab 0xbe2aaaab)))
    (local.set $Bs (f32x4.add (local.get $Bx) (f32x4.mul (f32x4.mul (local.get $Bs) (local.get $Bx2)) (local.get $Bx))))
    (local.set $Bc (f32x4.add (f32x4.mul (local.get $Bx2) (v128.const i32x4 0xb493f27e 0xb493f27e 0xb493f27e 0xb493f27e))
                             (v128.const i32x4 0x37d00d01 0x37d00d01 0x37d00d01 0x37d00d01)))
    (local.set $Bc (f32x4.add (f32x4.mul (local.get $Bc) (local.get $Bx2)) (v128.const i32x4 0xbab60b61 0xbab60b61 0xbab60b61 0xbab60b61)))
    (local.set $Bc (f32x4.add (f32x4.mul (local.get $Bc) (local.get $Bx2)) (v128.const i32x4 0x3d2aaaab 0x3d2aaaab 0x3d2aaaab 0x3d2aaaab)))
    (local.set $Bc (f32x4.add (f32x4.mul (local.get $Bc) (local.get $Bx2)) (v128.const i32x4 0xbf000000 0xbf000000 0xbf000000 0xbf000000)))
    (local.set $Bc (f32x4.add (v128.const i32x4 0x3f800000 0x3f800000 0x3f800000 0x3f800000) (f32x4.mul (local.get $Bc) (local.get $Bx2))))
    ;; Quadrant q: odd q swaps sin and cos; sin is negated for q & 2, cos for (q + 1) & 2.
    (local.set $Bswap (i32x4.eq (v128.and (local.get $Bq) (v128.const i32x4 1 1 1 1)) (v128.const i32x4 1 1 1 1)))
    (local.set $Bsin (v128.xor (v128.bitselect (local.get $Bc) (local.get $Bs) (local.get $Bswap))
                              (i32x4.shl (v128.and (local.get $Bq) (v128.const i32x4 2 2 2 2)) (i32.const 30))))
    (local.set $Bcos (v128.xor (v128.bitselect (local.get $Bs) (local.get $Bc) (local.get $Bswap))
                              (i32x4.shl (v128.and (i32x4.add (local.get $Bq) (v128.const i32x4 1 1 1 1)) (v128.const i32x4 2 2 2 2)) (i32.const 30))))
    (local.set $z2 (f32x4.mul (f32x4.mul (local.get $Br) (local.get $Bcos)) (local.get $std)))
    (local.set $z3 (f32x4.mul (f32x4.mul (local.get $Br) (local.get $Bsin)) (local.get $std)))
    ;; Transpose: lane l of z0..z3 is block b+l; memory wants block by block.
    (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $z0) (local.get $z1)))
    (local.set $t1 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $z2) (local.get $z3)))
    (local.set $t2 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $z0) (local.get $z1)))
    (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $z2) (local.get $z3)))
    (local.set $o0 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t1)))
    (local.set $o1 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t1)))
    (local.set $o2 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t2) (local.get $t3)))
    (local.set $o3 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t2) (local.get $t3)))
    (if (local.get $add) (then
      (local.set $o0 (f32x4.add (v128.load offset=0 (local.get $src)) (local.get $o0)))
      (local.set $o1 (f32x4.add (v128.load offset=16 (local.get $src)) (local.get $o1)))
      (local.set $o2 (f32x4.add (v128.load offset=32 (local.get $src)) (local.get $o2)))
      (local.set $o3 (f32x4.add (v128.load offset=48 (local.get $src)) (local.get $o3)))
    ))
    (v128.store offset=0 (local.get $dst) (local.get $o0))
    (v128.store offset=16 (local.get $dst) (local.get $o1))
    (v128.store offset=32 (local.get $dst) (local.get $o2))
    (v128.store offset=48 (local.get $dst) (local.get $o3))
    (local.set $b (i32.add (local.get $b) (i32.const 4)))
    (local.set $dst (i32.add (local.get $dst) (i32.const 64)))
    (local.set $src (i32.add (local.get $src) (i32.const 64)))
    (local.set $n (i32.sub (local.get $n) (i32.const 1)))
    (br_if $next (i32.gt_s (local.get $n) (i32.const 0)))))

  ;; Stream elements start .. start+size-1 to out (f32, in order), each plus the f32 at the same
  ;; place of base when add is set (base may be out); scratch: 64 bytes for partial groups.
  (func (export "fill") (param $out i32) (param $size i32) (param $start i32) (param $k0 i32) (param $k1 i32)
        (param $p i32) (param $std f32) (param $scratch i32) (param $base i32) (param $add i32)
    (local $end i32) (local $g i32) (local $m i32) (local $e0 i32) (local $i i32) (local $hi i32) (local $sv v128) (local $v f32)
    (local.set $end (i32.add (local.get $start) (local.get $size)))
    (local.set $sv (f32x4.splat (local.get $std)))
    (local.set $g (i32.shr_u (local.get $start) (i32.const 4)))
    (block $done
      (loop $groups
        (local.set $e0 (i32.shl (local.get $g) (i32.const 4)))
        (br_if $done (i32.ge_u (local.get $e0) (local.get $end)))
        (if (i32.and (i32.ge_u (local.get $e0) (local.get $start)) (i32.le_u (i32.add (local.get $e0) (i32.const 16)) (local.get $end)))
          (then
            (call $group (i32.shl (local.get $g) (i32.const 2)) (local.get $k0) (local.get $k1) (local.get $p) (local.get $sv)
              (i32.add (local.get $out) (i32.shl (i32.sub (local.get $e0) (local.get $start)) (i32.const 2)))
              (i32.add (local.get $base) (i32.shl (i32.sub (local.get $e0) (local.get $start)) (i32.const 2))) (local.get $add)
              (local.tee $m (i32.shr_u (i32.sub (local.get $end) (local.get $e0)) (i32.const 4))))
            ;; Every whole group from here on in one call; the loop then meets the partial tail, if any.
            (local.set $g (i32.add (local.get $g) (local.get $m)))
            (br $groups))
          (else
            (call $group (i32.shl (local.get $g) (i32.const 2)) (local.get $k0) (local.get $k1) (local.get $p) (local.get $sv) (local.get $scratch)
              (i32.const 0) (i32.const 0) (i32.const 1))
            (local.set $i (select (local.get $e0) (local.get $start) (i32.gt_u (local.get $e0) (local.get $start))))
            (local.set $hi (select (i32.add (local.get $e0) (i32.const 16)) (local.get $end) (i32.lt_u (i32.add (local.get $e0) (i32.const 16)) (local.get $end))))
            (block $copied
              (loop $copy
                (br_if $copied (i32.ge_u (local.get $i) (local.get $hi)))
                (local.set $v (f32.load (i32.add (local.get $scratch) (i32.shl (i32.sub (local.get $i) (local.get $e0)) (i32.const 2)))))
                (if (local.get $add) (then (local.set $v (f32.add
                  (f32.load (i32.add (local.get $base) (i32.shl (i32.sub (local.get $i) (local.get $start)) (i32.const 2))))
                  (local.get $v)))))
                (f32.store (i32.add (local.get $out) (i32.shl (i32.sub (local.get $i) (local.get $start)) (i32.const 2))) (local.get $v))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $copy)))))
        (local.set $g (i32.add (local.get $g) (i32.const 1)))
        (br $groups)))))
