;; Float32 matrix products for tfjs-backend-wasm's BatchMatMul, with WebAssembly
;; SIMD and the same bits. tfjs-backend-wasm 4.22 computes a product in one of
;; two orders. With a transpose or a batch (every gradient of a dense layer,
;; every batched product of the Neural Programmer, NRAM and the Neural GPU) a
;; scalar loop forms each output as: out = 0; for each block of 48 k's in
;; order, sum = 0, sum += a[i,k] * b[k,j] (an f32 multiply, then an f32 add),
;; out = out + sum. Otherwise XNNPACK's GEMM sums all k in order from 0: the
;; same with one block of K (measured to the bit). These tiles compute 4 (or 8)
;; neighbouring outputs per vector, each lane doing exactly that sequence of
;; correctly rounded f32 operations (no fused multiply-add), with the block
;; length $kb a parameter, so every output has the backend's bits; only the
;; order in which different outputs are computed changes. Outputs are
;; accumulated in registers and stored once, so a tile may overlap the
;; previous one at a ragged edge (it stores the same values).
;;
;; b and out are row-major (a transposed b is copied into
;; that layout first, by $transpose); a is read through strides, so a
;; transposed a needs no copy. The memory is imported: the backend's heap.
;; Assembled by scripts/assemble-wat.cjs into wasm-matmul-wasm.ts.
(module
  (import "env" "memory" (memory 0))

  ;; A 4 x 8 tile of out: rows at $pa (+ r * $rs bytes), columns at $pb / $po.
  (func $t4x8 (param $pa i32) (param $rs i32) (param $ks i32) (param $pb i32) (param $po i32) (param $K i32) (param $nb i32) (param $kb i32)
    (local $k i32) (local $kend i32)
    (local $pa1 i32)
    (local $pa2 i32)
    (local $pa3 i32)
    (local $av v128) (local $b0 v128) (local $b1 v128)
    (local $s00 v128) (local $s01 v128) (local $s10 v128) (local $s11 v128) (local $s20 v128) (local $s21 v128) (local $s30 v128) (local $s31 v128)
    (local $o00 v128) (local $o01 v128) (local $o10 v128) (local $o11 v128) (local $o20 v128) (local $o21 v128) (local $o30 v128) (local $o31 v128)
    (local.set $pa1 (i32.add (local.get $pa) (i32.mul (local.get $rs) (i32.const 1))))
    (local.set $pa2 (i32.add (local.get $pa) (i32.mul (local.get $rs) (i32.const 2))))
    (local.set $pa3 (i32.add (local.get $pa) (i32.mul (local.get $rs) (i32.const 3))))
    (block $done
      (br_if $done (i32.eqz (local.get $K)))
      (loop $blocks
        (local.set $kend (select (local.get $K) (i32.add (local.get $k) (local.get $kb)) (i32.lt_u (local.get $K) (i32.add (local.get $k) (local.get $kb)))))
        (local.set $s00 (v128.const i32x4 0 0 0 0))
        (local.set $s01 (v128.const i32x4 0 0 0 0))
        (local.set $s10 (v128.const i32x4 0 0 0 0))
        (local.set $s11 (v128.const i32x4 0 0 0 0))
        (local.set $s20 (v128.const i32x4 0 0 0 0))
        (local.set $s21 (v128.const i32x4 0 0 0 0))
        (local.set $s30 (v128.const i32x4 0 0 0 0))
        (local.set $s31 (v128.const i32x4 0 0 0 0))
        (loop $inner
          (local.set $b0 (v128.load offset=0 align=4 (local.get $pb)))
          (local.set $b1 (v128.load offset=16 align=4 (local.get $pb)))
          (local.set $av (f32x4.splat (f32.load (local.get $pa))))
          (local.set $s00 (f32x4.add (local.get $s00) (f32x4.mul (local.get $av) (local.get $b0))))
          (local.set $s01 (f32x4.add (local.get $s01) (f32x4.mul (local.get $av) (local.get $b1))))
          (local.set $pa (i32.add (local.get $pa) (local.get $ks)))
          (local.set $av (f32x4.splat (f32.load (local.get $pa1))))
          (local.set $s10 (f32x4.add (local.get $s10) (f32x4.mul (local.get $av) (local.get $b0))))
          (local.set $s11 (f32x4.add (local.get $s11) (f32x4.mul (local.get $av) (local.get $b1))))
          (local.set $pa1 (i32.add (local.get $pa1) (local.get $ks)))
          (local.set $av (f32x4.splat (f32.load (local.get $pa2))))
          (local.set $s20 (f32x4.add (local.get $s20) (f32x4.mul (local.get $av) (local.get $b0))))
          (local.set $s21 (f32x4.add (local.get $s21) (f32x4.mul (local.get $av) (local.get $b1))))
          (local.set $pa2 (i32.add (local.get $pa2) (local.get $ks)))
          (local.set $av (f32x4.splat (f32.load (local.get $pa3))))
          (local.set $s30 (f32x4.add (local.get $s30) (f32x4.mul (local.get $av) (local.get $b0))))
          (local.set $s31 (f32x4.add (local.get $s31) (f32x4.mul (local.get $av) (local.get $b1))))
          (local.set $pa3 (i32.add (local.get $pa3) (local.get $ks)))
          (local.set $pb (i32.add (local.get $pb) (local.get $nb)))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br_if $inner (i32.lt_u (local.get $k) (local.get $kend))))
        (local.set $o00 (f32x4.add (local.get $o00) (local.get $s00)))
        (local.set $o01 (f32x4.add (local.get $o01) (local.get $s01)))
        (local.set $o10 (f32x4.add (local.get $o10) (local.get $s10)))
        (local.set $o11 (f32x4.add (local.get $o11) (local.get $s11)))
        (local.set $o20 (f32x4.add (local.get $o20) (local.get $s20)))
        (local.set $o21 (f32x4.add (local.get $o21) (local.get $s21)))
        (local.set $o30 (f32x4.add (local.get $o30) (local.get $s30)))
        (local.set $o31 (f32x4.add (local.get $o31) (local.get $s31)))
        (br_if $blocks (i32.lt_u (local.get $k) (local.get $K)))))
    (v128.store offset=0 align=4 (local.get $po) (local.get $o00))
    (v128.store offset=16 align=4 (local.get $po) (local.get $o01))
    (v128.store offset=0 align=4 (i32.add (local.get $po) (i32.mul (local.get $nb) (i32.const 1))) (local.get $o10))
    (v128.store offset=16 align=4 (i32.add (local.get $po) (i32.mul (local.get $nb) (i32.const 1))) (local.get $o11))
    (v128.store offset=0 align=4 (i32.add (local.get $po) (i32.mul (local.get $nb) (i32.const 2))) (local.get $o20))
    (v128.store offset=16 align=4 (i32.add (local.get $po) (i32.mul (local.get $nb) (i32.const 2))) (local.get $o21))
    (v128.store offset=0 align=4 (i32.add (local.get $po) (i32.mul (local.get $nb) (i32.const 3))) (local.get $o30))
    (v128.store offset=16 align=4 (i32.add (local.get $po) (i32.mul (local.get $nb) (i32.const 3))) (local.get $o31))
  )
  ;; A 4 x 4 tile of out: rows at $pa (+ r * $rs bytes), columns at $pb / $po.
  (func $t4x4 (param $pa i32) (param $rs i32) (param $ks i32) (param $pb i32) (param $po i32) (param $K i32) (param $nb i32) (param $kb i32)
    (local $k i32) (local $kend i32)
    (local $pa1 i32)
    (local $pa2 i32)
    (local $pa3 i32)
    (local $av v128) (local $b0 v128)
    (local $s00 v128) (local $s10 v128) (local $s20 v128) (local $s30 v128)
    (local $o00 v128) (local $o10 v128) (local $o20 v128) (local $o30 v128)
    (local.set $pa1 (i32.add (local.get $pa) (i32.mul (local.get $rs) (i32.const 1))))
    (local.set $pa2 (i32.add (local.get $pa) (i32.mul (local.get $rs) (i32.const 2))))
    (local.set $pa3 (i32.add (local.get $pa) (i32.mul (local.get $rs) (i32.const 3))))
    (block $done
      (br_if $done (i32.eqz (local.get $K)))
      (loop $blocks
        (local.set $kend (select (local.get $K) (i32.add (local.get $k) (local.get $kb)) (i32.lt_u (local.get $K) (i32.add (local.get $k) (local.get $kb)))))
        (local.set $s00 (v128.const i32x4 0 0 0 0))
        (local.set $s10 (v128.const i32x4 0 0 0 0))
        (local.set $s20 (v128.const i32x4 0 0 0 0))
        (local.set $s30 (v128.const i32x4 0 0 0 0))
        (loop $inner
          (local.set $b0 (v128.load offset=0 align=4 (local.get $pb)))
          (local.set $av (f32x4.splat (f32.load (local.get $pa))))
          (local.set $s00 (f32x4.add (local.get $s00) (f32x4.mul (local.get $av) (local.get $b0))))
          (local.set $pa (i32.add (local.get $pa) (local.get $ks)))
          (local.set $av (f32x4.splat (f32.load (local.get $pa1))))
          (local.set $s10 (f32x4.add (local.get $s10) (f32x4.mul (local.get $av) (local.get $b0))))
          (local.set $pa1 (i32.add (local.get $pa1) (local.get $ks)))
          (local.set $av (f32x4.splat (f32.load (local.get $pa2))))
          (local.set $s20 (f32x4.add (local.get $s20) (f32x4.mul (local.get $av) (local.get $b0))))
          (local.set $pa2 (i32.add (local.get $pa2) (local.get $ks)))
          (local.set $av (f32x4.splat (f32.load (local.get $pa3))))
          (local.set $s30 (f32x4.add (local.get $s30) (f32x4.mul (local.get $av) (local.get $b0))))
          (local.set $pa3 (i32.add (local.get $pa3) (local.get $ks)))
          (local.set $pb (i32.add (local.get $pb) (local.get $nb)))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br_if $inner (i32.lt_u (local.get $k) (local.get $kend))))
        (local.set $o00 (f32x4.add (local.get $o00) (local.get $s00)))
        (local.set $o10 (f32x4.add (local.get $o10) (local.get $s10)))
        (local.set $o20 (f32x4.add (local.get $o20) (local.get $s20)))
        (local.set $o30 (f32x4.add (local.get $o30) (local.get $s30)))
        (br_if $blocks (i32.lt_u (local.get $k) (local.get $K)))))
    (v128.store offset=0 align=4 (local.get $po) (local.get $o00))
    (v128.store offset=0 align=4 (i32.add (local.get $po) (i32.mul (local.get $nb) (i32.const 1))) (local.get $o10))
    (v128.store offset=0 align=4 (i32.add (local.get $po) (i32.mul (local.get $nb) (i32.const 2))) (local.get $o20))
    (v128.store offset=0 align=4 (i32.add (local.get $po) (i32.mul (local.get $nb) (i32.const 3))) (local.get $o30))
  )
  ;; A 1 x 8 tile of out: rows at $pa (+ r * $rs bytes), columns at $pb / $po.
  (func $t1x8 (param $pa i32) (param $rs i32) (param $ks i32) (param $pb i32) (param $po i32) (param $K i32) (param $nb i32) (param $kb i32)
    (local $k i32) (local $kend i32)
    (local $av v128) (local $b0 v128) (local $b1 v128)
    (local $s00 v128) (local $s01 v128)
    (local $o00 v128) (local $o01 v128)
    (block $done
      (br_if $done (i32.eqz (local.get $K)))
      (loop $blocks
        (local.set $kend (select (local.get $K) (i32.add (local.get $k) (local.get $kb)) (i32.lt_u (local.get $K) (i32.add (local.get $k) (local.get $kb)))))
        (local.set $s00 (v128.const i32x4 0 0 0 0))
        (local.set $s01 (v128.const i32x4 0 0 0 0))
        (loop $inner
          (local.set $b0 (v128.load offset=0 align=4 (local.get $pb)))
          (local.set $b1 (v128.load offset=16 align=4 (local.get $pb)))
          (local.set $av (f32x4.splat (f32.load (local.get $pa))))
          (local.set $s00 (f32x4.add (local.get $s00) (f32x4.mul (local.get $av) (local.get $b0))))
          (local.set $s01 (f32x4.add (local.get $s01) (f32x4.mul (local.get $av) (local.get $b1))))
          (local.set $pa (i32.add (local.get $pa) (local.get $ks)))
          (local.set $pb (i32.add (local.get $pb) (local.get $nb)))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br_if $inner (i32.lt_u (local.get $k) (local.get $kend))))
        (local.set $o00 (f32x4.add (local.get $o00) (local.get $s00)))
        (local.set $o01 (f32x4.add (local.get $o01) (local.get $s01)))
        (br_if $blocks (i32.lt_u (local.get $k) (local.get $K)))))
    (v128.store offset=0 align=4 (local.get $po) (local.get $o00))
    (v128.store offset=16 align=4 (local.get $po) (local.get $o01))
  )
  ;; A 1 x 4 tile of out: rows at $pa (+ r * $rs bytes), columns at $pb / $po.
  (func $t1x4 (param $pa i32) (param $rs i32) (param $ks i32) (param $pb i32) (param $po i32) (param $K i32) (param $nb i32) (param $kb i32)
    (local $k i32) (local $kend i32)
    (local $av v128) (local $b0 v128)
    (local $s00 v128)
    (local $o00 v128)
    (block $done
      (br_if $done (i32.eqz (local.get $K)))
      (loop $blocks
        (local.set $kend (select (local.get $K) (i32.add (local.get $k) (local.get $kb)) (i32.lt_u (local.get $K) (i32.add (local.get $k) (local.get $kb)))))
        (local.set $s00 (v128.const i32x4 0 0 0 0))
        (loop $inner
          (local.set $b0 (v128.load offset=0 align=4 (local.get $pb)))
          (local.set $av (f32x4.splat (f32.load (local.get $pa))))
          (local.set $s00 (f32x4.add (local.get $s00) (f32x4.mul (local.get $av) (local.get $b0))))
          (local.set $pa (i32.add (local.get $pa) (local.get $ks)))
          (local.set $pb (i32.add (local.get $pb) (local.get $nb)))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br_if $inner (i32.lt_u (local.get $k) (local.get $kend))))
        (local.set $o00 (f32x4.add (local.get $o00) (local.get $s00)))
        (br_if $blocks (i32.lt_u (local.get $k) (local.get $K)))))
    (v128.store offset=0 align=4 (local.get $po) (local.get $o00))
  )

  ;; One output, scalar (for N < 4): the reference order itself.
  (func $t1s (param $pa i32) (param $ks i32) (param $pb i32) (param $po i32) (param $K i32) (param $nb i32) (param $kb i32)
    (local $k i32) (local $kend i32) (local $s f32) (local $o f32)
    (block $done
      (br_if $done (i32.eqz (local.get $K)))
      (loop $blocks
        (local.set $kend (select (local.get $K) (i32.add (local.get $k) (local.get $kb)) (i32.lt_u (local.get $K) (i32.add (local.get $k) (local.get $kb)))))
        (local.set $s (f32.const 0))
        (loop $inner
          (local.set $s (f32.add (local.get $s) (f32.mul (f32.load (local.get $pa)) (f32.load (local.get $pb)))))
          (local.set $pa (i32.add (local.get $pa) (local.get $ks)))
          (local.set $pb (i32.add (local.get $pb) (local.get $nb)))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br_if $inner (i32.lt_u (local.get $k) (local.get $kend))))
        (local.set $o (f32.add (local.get $o) (local.get $s)))
        (br_if $blocks (i32.lt_u (local.get $k) (local.get $K)))))
    (f32.store (local.get $po) (local.get $o))
  )

  ;; out[M, N] = a[M, K] . b[K, N]: a's element (i, k) at $pa + 4 (i $rs + k $ks);
  ;; b and out row-major with rows $ld elements apart (N of them used, so a
  ;; caller can work on a block of columns); byte addresses, element strides;
  ;; k summed in blocks of $kb (>= 1).
  (func (export "matmul") (param $pa i32) (param $pb i32) (param $po i32) (param $M i32) (param $K i32) (param $N i32) (param $rs i32) (param $ks i32) (param $kb i32) (param $ld i32)
    (local $nb i32) (local $i i32) (local $j i32) (local $ii i32) (local $jj i32) (local $step i32) (local $rows i32)
    (local $ra i32) (local $ro i32)
    (if (i32.or (i32.eqz (local.get $M)) (i32.eqz (local.get $N))) (then (return)))
    (local.set $nb (i32.shl (local.get $ld) (i32.const 2)))
    (local.set $rs (i32.shl (local.get $rs) (i32.const 2)))
    (local.set $ks (i32.shl (local.get $ks) (i32.const 2)))
    (if (i32.lt_u (local.get $N) (i32.const 4))
      (then
        (loop $srows
          (local.set $j (i32.const 0))
          (loop $scols
            (call $t1s
              (i32.add (local.get $pa) (i32.mul (local.get $i) (local.get $rs))) (local.get $ks)
              (i32.add (local.get $pb) (i32.shl (local.get $j) (i32.const 2)))
              (i32.add (local.get $po) (i32.add (i32.mul (local.get $i) (local.get $nb)) (i32.shl (local.get $j) (i32.const 2))))
              (local.get $K) (local.get $nb) (local.get $kb))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br_if $scols (i32.lt_u (local.get $j) (local.get $N))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $srows (i32.lt_u (local.get $i) (local.get $M))))
        (return)))
    ;; Tiles of 4 rows when there are 4, else of one; 8 columns when there are 8, else 4.
    (local.set $rows (select (i32.const 4) (i32.const 1) (i32.ge_u (local.get $M) (i32.const 4))))
    (local.set $step (select (i32.const 8) (i32.const 4) (i32.ge_u (local.get $N) (i32.const 8))))
    (loop $trows
      ;; the last tile is moved back to end at the last row (it recomputes a few rows: same values)
      (local.set $ii (select (i32.sub (local.get $M) (local.get $rows)) (local.get $i)
        (i32.gt_u (i32.add (local.get $i) (local.get $rows)) (local.get $M))))
      (local.set $ra (i32.add (local.get $pa) (i32.mul (local.get $ii) (local.get $rs))))
      (local.set $ro (i32.add (local.get $po) (i32.mul (local.get $ii) (local.get $nb))))
      (local.set $j (i32.const 0))
      (loop $tcols
        (local.set $jj (select (i32.sub (local.get $N) (local.get $step)) (local.get $j)
          (i32.gt_u (i32.add (local.get $j) (local.get $step)) (local.get $N))))
        (if (i32.eq (local.get $rows) (i32.const 4))
          (then
            (if (i32.eq (local.get $step) (i32.const 8))
              (then (call $t4x8 (local.get $ra) (local.get $rs) (local.get $ks)
                (i32.add (local.get $pb) (i32.shl (local.get $jj) (i32.const 2)))
                (i32.add (local.get $ro) (i32.shl (local.get $jj) (i32.const 2))) (local.get $K) (local.get $nb) (local.get $kb)))
              (else (call $t4x4 (local.get $ra) (local.get $rs) (local.get $ks)
                (i32.add (local.get $pb) (i32.shl (local.get $jj) (i32.const 2)))
                (i32.add (local.get $ro) (i32.shl (local.get $jj) (i32.const 2))) (local.get $K) (local.get $nb) (local.get $kb)))))
          (else
            (if (i32.eq (local.get $step) (i32.const 8))
              (then (call $t1x8 (local.get $ra) (local.get $rs) (local.get $ks)
                (i32.add (local.get $pb) (i32.shl (local.get $jj) (i32.const 2)))
                (i32.add (local.get $ro) (i32.shl (local.get $jj) (i32.const 2))) (local.get $K) (local.get $nb) (local.get $kb)))
              (else (call $t1x4 (local.get $ra) (local.get $rs) (local.get $ks)
                (i32.add (local.get $pb) (i32.shl (local.get $jj) (i32.const 2)))
                (i32.add (local.get $ro) (i32.shl (local.get $jj) (i32.const 2))) (local.get $K) (local.get $nb) (local.get $kb))))))
        (local.set $j (i32.add (local.get $j) (local.get $step)))
        (br_if $tcols (i32.lt_u (local.get $j) (local.get $N))))
      (local.set $i (i32.add (local.get $i) (local.get $rows)))
      (br_if $trows (i32.lt_u (local.get $i) (local.get $M))))
  )

  ;; dst[c, r] = src[r, c] for a [rows, cols] float32 matrix (bits copied as i32).
  (func (export "transpose") (param $src i32) (param $dst i32) (param $rows i32) (param $cols i32)
    (local $r i32) (local $c i32) (local $s i32) (local $d i32) (local $rb i32)
    (if (i32.or (i32.eqz (local.get $rows)) (i32.eqz (local.get $cols))) (then (return)))
    (local.set $rb (i32.shl (local.get $rows) (i32.const 2)))
    (loop $rloop
      (local.set $s (i32.add (local.get $src) (i32.shl (i32.mul (local.get $r) (local.get $cols)) (i32.const 2))))
      (local.set $d (i32.add (local.get $dst) (i32.shl (local.get $r) (i32.const 2))))
      (local.set $c (i32.const 0))
      (loop $cloop
        (i32.store (local.get $d) (i32.load (local.get $s)))
        (local.set $s (i32.add (local.get $s) (i32.const 4)))
        (local.set $d (i32.add (local.get $d) (local.get $rb)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br_if $cloop (i32.lt_u (local.get $c) (local.get $cols))))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br_if $rloop (i32.lt_u (local.get $r) (local.get $rows))))
  )

  ;; out[0..N) += a * w[0..N): 4 lanes at a time, then one at a time; each an f32 multiply, then an f32 add.
  (func $axpy (param $po i32) (param $pw i32) (param $a f32) (param $N i32)
    (local $j i32) (local $av v128) (local $n4 i32)
    (local.set $av (f32x4.splat (local.get $a)))
    (local.set $n4 (i32.and (local.get $N) (i32.const -4)))
    (block $vdone
      (br_if $vdone (i32.eqz (local.get $n4)))
      (loop $v
        (v128.store align=4 (local.get $po)
          (f32x4.add (v128.load align=4 (local.get $po)) (f32x4.mul (local.get $av) (v128.load align=4 (local.get $pw)))))
        (local.set $po (i32.add (local.get $po) (i32.const 16)))
        (local.set $pw (i32.add (local.get $pw) (i32.const 16)))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br_if $v (i32.lt_u (local.get $j) (local.get $n4)))))
    (block $sdone
      (br_if $sdone (i32.ge_u (local.get $j) (local.get $N)))
      (loop $s
        (f32.store (local.get $po) (f32.add (f32.load (local.get $po)) (f32.mul (local.get $a) (f32.load (local.get $pw)))))
        (local.set $po (i32.add (local.get $po) (i32.const 4)))
        (local.set $pw (i32.add (local.get $pw) (i32.const 4)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $s (i32.lt_u (local.get $j) (local.get $N)))))
  )

  ;; Products with a mostly-zero data matrix x [M, K] (MemN2N's bags of words),
  ;; from its nonzero entries as ($compress) triples (r: i32, k: i32, x[r, k]: f32)
  ;; in row-major order: $t 0: out [M, N] = x . w, w [K, N]; $t 1: out [K, N] =
  ;; x^T . w, w [M, N]. out must hold zeros. Every output gets its terms in the
  ;; order of the single-block tiles above (k, resp. r, ascending, from +0), but
  ;; the terms where x is zero (+0 or -0) are skipped. With every w finite such
  ;; a term is a signed zero, and a sum that starts at +0 is never -0 (an exact
  ;; zero sum of nonzero terms rounds to +0), so adding it would change no bit:
  ;; the caller checks that w is finite. A NaN in x is not zero and is kept.
  (func (export "sparse") (param $pt i32) (param $count i32) (param $pw i32) (param $po i32) (param $N i32) (param $t i32)
    (local $end i32) (local $nb i32) (local $r i32) (local $k i32)
    (if (i32.eqz (local.get $count)) (then (return)))
    (local.set $nb (i32.shl (local.get $N) (i32.const 2)))
    (local.set $end (i32.add (local.get $pt) (i32.mul (local.get $count) (i32.const 12))))
    (loop $each
      (local.set $r (i32.load offset=0 (local.get $pt)))
      (local.set $k (i32.load offset=4 (local.get $pt)))
      (if (i32.eqz (local.get $t))
        (then (call $axpy (i32.add (local.get $po) (i32.mul (local.get $r) (local.get $nb))) (i32.add (local.get $pw) (i32.mul (local.get $k) (local.get $nb))) (f32.load offset=8 (local.get $pt)) (local.get $N)))
        (else (call $axpy (i32.add (local.get $po) (i32.mul (local.get $k) (local.get $nb))) (i32.add (local.get $pw) (i32.mul (local.get $r) (local.get $nb))) (f32.load offset=8 (local.get $pt)) (local.get $N))))
      (local.set $pt (i32.add (local.get $pt) (i32.const 12)))
      (br_if $each (i32.lt_u (local.get $pt) (local.get $end))))
  )

  ;; The nonzero entries of x [M, K] (f32.ne 0: -0 is zero, NaN is not), row-major,
  ;; as triples at $pt when $pt is not 0; returns how many. Four k's at a time:
  ;; most are all zero.
  (func (export "compress") (param $px i32) (param $M i32) (param $K i32) (param $pt i32) (result i32)
    (local $r i32) (local $k i32) (local $k4 i32) (local $row i32) (local $n i32) (local $a f32) (local $j i32)
    (if (i32.or (i32.eqz (local.get $M)) (i32.eqz (local.get $K))) (then (return (i32.const 0))))
    (local.set $k4 (i32.and (local.get $K) (i32.const -4)))
    (loop $rows
      (local.set $row (i32.add (local.get $px) (i32.shl (i32.mul (local.get $r) (local.get $K)) (i32.const 2))))
      (local.set $k (i32.const 0))
      (loop $ks
        (if (i32.and (i32.lt_u (local.get $k) (local.get $k4))
              (i32.eqz (v128.any_true (f32x4.ne (v128.load align=4 (i32.add (local.get $row) (i32.shl (local.get $k) (i32.const 2)))) (v128.const i32x4 0 0 0 0)))))
          (then (local.set $k (i32.add (local.get $k) (i32.const 4))))
          (else
            ;; one k (the tail, or a group of four with a nonzero)
            (local.set $j (select (i32.add (local.get $k) (i32.const 4)) (i32.add (local.get $k) (i32.const 1)) (i32.lt_u (local.get $k) (local.get $k4))))
            (loop $one
              (local.set $a (f32.load (i32.add (local.get $row) (i32.shl (local.get $k) (i32.const 2)))))
              (if (f32.ne (local.get $a) (f32.const 0))
                (then
                  (if (local.get $pt)
                    (then
                      (i32.store offset=0 (local.get $pt) (local.get $r))
                      (i32.store offset=4 (local.get $pt) (local.get $k))
                      (f32.store offset=8 (local.get $pt) (local.get $a))
                      (local.set $pt (i32.add (local.get $pt) (i32.const 12)))))
                  (local.set $n (i32.add (local.get $n) (i32.const 1)))))
              (local.set $k (i32.add (local.get $k) (i32.const 1)))
              (br_if $one (i32.lt_u (local.get $k) (local.get $j))))))
        (br_if $ks (i32.lt_u (local.get $k) (local.get $K))))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br_if $rows (i32.lt_u (local.get $r) (local.get $M))))
    (local.get $n)
  )

  ;; MemN2N's position encoding over B stacked blocks of R rows of d (byte addresses):
  ;; $t 0: out[r, j] = sum over b of p[b, r, j] * g[b, j], each from +0 in block
  ;; order (Multiply, then Sum over the leading axis: wasm-reduce colsum's order);
  ;; $t 1: out[b, r, j] = p[r, j] * g[b, j] (the gradient's blocks).
  ;; Four columns at a time, then one at a time: the same f32 operations per element.
  (func (export "blocks") (param $pp i32) (param $pg i32) (param $po i32) (param $B i32) (param $R i32) (param $d i32) (param $t i32)
    (local $r i32) (local $j i32) (local $b i32) (local $d4 i32) (local $acc v128) (local $s f32) (local $blk i32) (local $at i32)
    (if (i32.or (i32.or (i32.eqz (local.get $B)) (i32.eqz (local.get $R))) (i32.eqz (local.get $d))) (then (return)))
    (local.set $d4 (i32.and (local.get $d) (i32.const -4)))
    (local.set $blk (i32.shl (i32.mul (local.get $R) (local.get $d)) (i32.const 2)))
    (loop $rows
      (local.set $j (i32.const 0))
      (loop $cols
        ;; element (r, j): byte offset $at within a block
        (local.set $at (i32.shl (i32.add (i32.mul (local.get $r) (local.get $d)) (local.get $j)) (i32.const 2)))
        (if (i32.lt_u (local.get $j) (local.get $d4))
          (then
            (if (i32.eqz (local.get $t))
              (then
                (local.set $acc (v128.const i32x4 0 0 0 0))
                (local.set $b (i32.const 0))
                (loop $bv
                  (local.set $acc (f32x4.add (local.get $acc)
                    (f32x4.mul (v128.load align=4 (i32.add (i32.add (local.get $pp) (i32.mul (local.get $b) (local.get $blk))) (local.get $at)))
                               (v128.load align=4 (i32.add (local.get $pg) (i32.shl (i32.add (i32.mul (local.get $b) (local.get $d)) (local.get $j)) (i32.const 2)))))))
                  (local.set $b (i32.add (local.get $b) (i32.const 1)))
                  (br_if $bv (i32.lt_u (local.get $b) (local.get $B))))
                (v128.store align=4 (i32.add (local.get $po) (local.get $at)) (local.get $acc)))
              (else
                (local.set $b (i32.const 0))
                (loop $bg
                  (v128.store align=4 (i32.add (i32.add (local.get $po) (i32.mul (local.get $b) (local.get $blk))) (local.get $at))
                    (f32x4.mul (v128.load align=4 (i32.add (local.get $pp) (local.get $at)))
                               (v128.load align=4 (i32.add (local.get $pg) (i32.shl (i32.add (i32.mul (local.get $b) (local.get $d)) (local.get $j)) (i32.const 2))))))
                  (local.set $b (i32.add (local.get $b) (i32.const 1)))
                  (br_if $bg (i32.lt_u (local.get $b) (local.get $B))))))
            (local.set $j (i32.add (local.get $j) (i32.const 4))))
          (else
            (if (i32.eqz (local.get $t))
              (then
                (local.set $s (f32.const 0))
                (local.set $b (i32.const 0))
                (loop $bs
                  (local.set $s (f32.add (local.get $s)
                    (f32.mul (f32.load (i32.add (i32.add (local.get $pp) (i32.mul (local.get $b) (local.get $blk))) (local.get $at)))
                             (f32.load (i32.add (local.get $pg) (i32.shl (i32.add (i32.mul (local.get $b) (local.get $d)) (local.get $j)) (i32.const 2)))))))
                  (local.set $b (i32.add (local.get $b) (i32.const 1)))
                  (br_if $bs (i32.lt_u (local.get $b) (local.get $B))))
                (f32.store (i32.add (local.get $po) (local.get $at)) (local.get $s)))
              (else
                (local.set $b (i32.const 0))
                (loop $bgs
                  (f32.store (i32.add (i32.add (local.get $po) (i32.mul (local.get $b) (local.get $blk))) (local.get $at))
                    (f32.mul (f32.load (i32.add (local.get $pp) (local.get $at)))
                             (f32.load (i32.add (local.get $pg) (i32.shl (i32.add (i32.mul (local.get $b) (local.get $d)) (local.get $j)) (i32.const 2))))))
                  (local.set $b (i32.add (local.get $b) (i32.const 1)))
                  (br_if $bgs (i32.lt_u (local.get $b) (local.get $B))))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))))
        (br_if $cols (i32.lt_u (local.get $j) (local.get $d))))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br_if $rows (i32.lt_u (local.get $r) (local.get $R))))
  )
)
