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

  ;; ln(k 2^-24) for k = (x >> 8) + 1 (philox.ts logUnit).
  (func $log_unit (param $x v128) (result v128)
    (local $k v128) (local $bits v128) (local $e v128) (local $m v128) (local $mask v128)
    (local $s v128) (local $z v128) (local $p v128) (local $ss v128) (local $ef v128)
    (local.set $k (i32x4.add (i32x4.shr_u (local.get $x) (i32.const 8)) (v128.const i32x4 1 1 1 1)))
    ;; k <= 2^24 converts exactly; its exponent and mantissa are read from the bits.
    (local.set $bits (f32x4.convert_i32x4_s (local.get $k)))
    (local.set $e (i32x4.sub (i32x4.shr_u (local.get $bits) (i32.const 23)) (v128.const i32x4 151 151 151 151)))
    (local.set $m (v128.or (v128.and (local.get $bits) (v128.const i32x4 0x007fffff 0x007fffff 0x007fffff 0x007fffff))
                           (v128.const i32x4 0x3f800000 0x3f800000 0x3f800000 0x3f800000)))
    (local.set $mask (f32x4.gt (local.get $m) (v128.const i32x4 0x3fb504f3 0x3fb504f3 0x3fb504f3 0x3fb504f3)))
    (local.set $m (v128.bitselect
      (f32x4.mul (local.get $m) (v128.const i32x4 0x3f000000 0x3f000000 0x3f000000 0x3f000000))
      (local.get $m) (local.get $mask)))
    (local.set $e (i32x4.sub (local.get $e) (local.get $mask)))
    (local.set $s (f32x4.div
      (f32x4.sub (local.get $m) (v128.const i32x4 0x3f800000 0x3f800000 0x3f800000 0x3f800000))
      (f32x4.add (local.get $m) (v128.const i32x4 0x3f800000 0x3f800000 0x3f800000 0x3f800000))))
    (local.set $z (f32x4.mul (local.get $s) (local.get $s)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $z) (v128.const i32x4 0x3de38e39 0x3de38e39 0x3de38e39 0x3de38e39))
                             (v128.const i32x4 0x3e124925 0x3e124925 0x3e124925 0x3e124925)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (v128.const i32x4 0x3e4ccccd 0x3e4ccccd 0x3e4ccccd 0x3e4ccccd)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (v128.const i32x4 0x3eaaaaab 0x3eaaaaab 0x3eaaaaab 0x3eaaaaab)))
    (local.set $p (f32x4.mul (local.get $p) (local.get $z)))
    (local.set $ss (f32x4.add (local.get $s) (local.get $s)))
    (local.set $ef (f32x4.convert_i32x4_s (local.get $e)))
    (f32x4.add
      (f32x4.mul (local.get $ef) (v128.const i32x4 0x3f317200 0x3f317200 0x3f317200 0x3f317200))
      (f32x4.add
        (f32x4.add (local.get $ss) (f32x4.mul (local.get $ss) (local.get $p)))
        (f32x4.mul (local.get $ef) (v128.const i32x4 0x35bfbe8e 0x35bfbe8e 0x35bfbe8e 0x35bfbe8e)))))

  ;; One Box-Muller pair per lane: (r cos, r sin) times std (philox.ts boxMuller, sinCosTurn).
  (func $box_muller (param $a v128) (param $b v128) (param $std v128) (result v128 v128)
    (local $r v128) (local $j v128) (local $q v128) (local $x v128) (local $x2 v128)
    (local $s v128) (local $c v128) (local $swap v128) (local $sin v128) (local $cos v128)
    (local.set $r (f32x4.sqrt (f32x4.mul (v128.const i32x4 0xc0000000 0xc0000000 0xc0000000 0xc0000000) (call $log_unit (local.get $a)))))
    (local.set $j (i32x4.shr_u (local.get $b) (i32.const 8)))
    (local.set $q (i32x4.shr_u (i32x4.add (local.get $j) (v128.const i32x4 0x200000 0x200000 0x200000 0x200000)) (i32.const 22)))
    (local.set $x (f32x4.mul
      (f32x4.convert_i32x4_s (i32x4.sub (local.get $j) (i32x4.shl (local.get $q) (i32.const 22))))
      (v128.const i32x4 0x34c90fdb 0x34c90fdb 0x34c90fdb 0x34c90fdb)))
    (local.set $x2 (f32x4.mul (local.get $x) (local.get $x)))
    (local.set $s (f32x4.add (f32x4.mul (local.get $x2) (v128.const i32x4 0x3638ef1d 0x3638ef1d 0x3638ef1d 0x3638ef1d))
                             (v128.const i32x4 0xb9500d01 0xb9500d01 0xb9500d01 0xb9500d01)))
    (local.set $s (f32x4.add (f32x4.mul (local.get $s) (local.get $x2)) (v128.const i32x4 0x3c088889 0x3c088889 0x3c088889 0x3c088889)))
    (local.set $s (f32x4.add (f32x4.mul (local.get $s) (local.get $x2)) (v128.const i32x4 0xbe2aaaab 0xbe2aaaab 0xbe2aaaab 0xbe2aaaab)))
    (local.set $s (f32x4.add (local.get $x) (f32x4.mul (f32x4.mul (local.get $s) (local.get $x2)) (local.get $x))))
    (local.set $c (f32x4.add (f32x4.mul (local.get $x2) (v128.const i32x4 0xb493f27e 0xb493f27e 0xb493f27e 0xb493f27e))
                             (v128.const i32x4 0x37d00d01 0x37d00d01 0x37d00d01 0x37d00d01)))
    (local.set $c (f32x4.add (f32x4.mul (local.get $c) (local.get $x2)) (v128.const i32x4 0xbab60b61 0xbab60b61 0xbab60b61 0xbab60b61)))
    (local.set $c (f32x4.add (f32x4.mul (local.get $c) (local.get $x2)) (v128.const i32x4 0x3d2aaaab 0x3d2aaaab 0x3d2aaaab 0x3d2aaaab)))
    (local.set $c (f32x4.add (f32x4.mul (local.get $c) (local.get $x2)) (v128.const i32x4 0xbf000000 0xbf000000 0xbf000000 0xbf000000)))
    (local.set $c (f32x4.add (v128.const i32x4 0x3f800000 0x3f800000 0x3f800000 0x3f800000) (f32x4.mul (local.get $c) (local.get $x2))))
    ;; Quadrant q: odd q swaps sin and cos; sin is negated for q & 2, cos for (q + 1) & 2.
    (local.set $swap (i32x4.eq (v128.and (local.get $q) (v128.const i32x4 1 1 1 1)) (v128.const i32x4 1 1 1 1)))
    (local.set $sin (v128.xor (v128.bitselect (local.get $c) (local.get $s) (local.get $swap))
                              (i32x4.shl (v128.and (local.get $q) (v128.const i32x4 2 2 2 2)) (i32.const 30))))
    (local.set $cos (v128.xor (v128.bitselect (local.get $s) (local.get $c) (local.get $swap))
                              (i32x4.shl (v128.and (i32x4.add (local.get $q) (v128.const i32x4 1 1 1 1)) (v128.const i32x4 2 2 2 2)) (i32.const 30))))
    (f32x4.mul (f32x4.mul (local.get $r) (local.get $cos)) (local.get $std))
    (f32x4.mul (f32x4.mul (local.get $r) (local.get $sin)) (local.get $std)))

;; Four normals to dst, plus the four f32 at src when add is set.
  (func $put (param $dst i32) (param $src i32) (param $add i32) (param $v v128)
    (if (local.get $add) (then (local.set $v (f32x4.add (v128.load (local.get $src)) (local.get $v)))))
    (v128.store (local.get $dst) (local.get $v)))

  ;; Blocks b .. b+3 of the stream (key k0 k1, purpose p): 16 normals to dst, in element order,
  ;; each plus the f32 at the same place of src when add is set.
  (func $group (param $b i32) (param $k0 i32) (param $k1 i32) (param $p i32) (param $std v128) (param $dst i32)
        (param $src i32) (param $add i32)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128) (local $h0 v128) (local $h1 v128)
    (local $r i32) (local $z0 v128) (local $z1 v128) (local $z2 v128) (local $z3 v128) (local $t0 v128) (local $t1 v128)
    (local $t2 v128) (local $t3 v128)
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
      (local.set $c0 (v128.xor (v128.xor (local.get $h1) (local.get $c1)) (i32x4.splat (local.get $k0))))
      (local.set $c2 (v128.xor (v128.xor (local.get $h0) (local.get $c3)) (i32x4.splat (local.get $k1))))
      (local.set $c1 (local.get $t1))
      (local.set $c3 (local.get $t0))
      (local.set $k0 (i32.add (local.get $k0) (i32.const 0x9e3779b9)))
      (local.set $k1 (i32.add (local.get $k1) (i32.const 0xbb67ae85)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br_if $round (i32.lt_u (local.get $r) (i32.const 10))))
    (call $box_muller (local.get $c0) (local.get $c1) (local.get $std))
    (local.set $z1) (local.set $z0)
    (call $box_muller (local.get $c2) (local.get $c3) (local.get $std))
    (local.set $z3) (local.set $z2)
    ;; Transpose: lane l of z0..z3 is block b+l; memory wants block by block.
    (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $z0) (local.get $z1)))
    (local.set $t1 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $z2) (local.get $z3)))
    (local.set $t2 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $z0) (local.get $z1)))
    (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $z2) (local.get $z3)))
    (call $put (local.get $dst) (local.get $src) (local.get $add)
      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t1)))
    (call $put (i32.add (local.get $dst) (i32.const 16)) (i32.add (local.get $src) (i32.const 16)) (local.get $add)
      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t1)))
    (call $put (i32.add (local.get $dst) (i32.const 32)) (i32.add (local.get $src) (i32.const 32)) (local.get $add)
      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t2) (local.get $t3)))
    (call $put (i32.add (local.get $dst) (i32.const 48)) (i32.add (local.get $src) (i32.const 48)) (local.get $add)
      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t2) (local.get $t3))))

  ;; Stream elements start .. start+size-1 to out (f32, in order), each plus the f32 at the same
  ;; place of base when add is set (base may be out); scratch: 64 bytes for partial groups.
  (func (export "fill") (param $out i32) (param $size i32) (param $start i32) (param $k0 i32) (param $k1 i32)
        (param $p i32) (param $std f32) (param $scratch i32) (param $base i32) (param $add i32)
    (local $end i32) (local $g i32) (local $e0 i32) (local $i i32) (local $hi i32) (local $sv v128) (local $v f32)
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
              (i32.add (local.get $base) (i32.shl (i32.sub (local.get $e0) (local.get $start)) (i32.const 2))) (local.get $add)))
          (else
            (call $group (i32.shl (local.get $g) (i32.const 2)) (local.get $k0) (local.get $k1) (local.get $p) (local.get $sv) (local.get $scratch)
              (i32.const 0) (i32.const 0))
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
