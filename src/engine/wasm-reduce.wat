;; Reductions for tfjs-backend-wasm with its own kernels' bits. The two reductions of a global norm (noise/clip.ts: m = max |g| over every
;; gradient, then sum((g / m)^2) per gradient) for tfjs-backend-wasm, with
;; its kernels' bits in one pass each instead of five kernels per gradient.
;; tfjs-backend-wasm 4.22's Max starts from the first element and takes a
;; value when it is greater (so NaN after the first is skipped); max is exact,
;; so four lanes doing that and then combined the same way give its result
;; (|x| has no -0 whose order could matter). Its Sum adds in order from 0 in
;; f32, which cannot be split across lanes: $sumsq is that loop, with the
;; division and square (RealDiv, Square) as the same f32 operations.
;; $colsum is Sum over leading axes ([rows, cols] -> [cols]): the backend
;; transposes and then adds each column in order from 0; lanes over four
;; columns add in that order without the transpose.
;; $probe is noise/finite.ts's "any non-finite?" (Sum(x * 0), AddN over
;; gradients): +0 while every element is finite, NaN otherwise, in any order.
;; Assembled by scripts/assemble-wat.cjs into wasm-reduce-wasm.ts.
(module
  (import "env" "memory" (memory 0))

  ;; max |x[i]| over n >= 1 float32 at byte address $p, as Max(Abs(x)).
  (func (export "maxabs") (param $p i32) (param $n i32) (result f32)
    (local $m f32) (local $v f32) (local $lanes v128) (local $x v128) (local $end i32) (local $i i32)
    (local.set $m (f32.abs (f32.load (local.get $p))))
    (local.set $lanes (f32x4.splat (local.get $m)))
    (local.set $end (i32.add (local.get $p) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done
      (br_if $done (i32.lt_u (local.get $n) (i32.const 4)))
      (local.set $i (local.get $p))
      (loop $vec
        (local.set $x (f32x4.abs (v128.load align=4 (local.get $i))))
        ;; lane = x > lane ? x : lane
        (local.set $lanes (v128.bitselect (local.get $x) (local.get $lanes) (f32x4.gt (local.get $x) (local.get $lanes))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $vec (i32.lt_u (local.get $i) (local.get $end)))))
    ;; combine the lanes as Max would meet them
    (local.set $v (f32x4.extract_lane 0 (local.get $lanes)))
    (if (f32.gt (local.get $v) (local.get $m)) (then (local.set $m (local.get $v))))
    (local.set $v (f32x4.extract_lane 1 (local.get $lanes)))
    (if (f32.gt (local.get $v) (local.get $m)) (then (local.set $m (local.get $v))))
    (local.set $v (f32x4.extract_lane 2 (local.get $lanes)))
    (if (f32.gt (local.get $v) (local.get $m)) (then (local.set $m (local.get $v))))
    (local.set $v (f32x4.extract_lane 3 (local.get $lanes)))
    (if (f32.gt (local.get $v) (local.get $m)) (then (local.set $m (local.get $v))))
    ;; the last n mod 4
    (local.set $i (local.get $end))
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (block $tail_done
      (br_if $tail_done (i32.ge_u (local.get $i) (local.get $end)))
      (loop $tail
        (local.set $v (f32.abs (f32.load (local.get $i))))
        (if (f32.gt (local.get $v) (local.get $m)) (then (local.set $m (local.get $v))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br_if $tail (i32.lt_u (local.get $i) (local.get $end)))))
    (local.get $m)
  )

  ;; sum over i of (x[i] / m)^2, in order from 0 in f32: Sum(Square(RealDiv(x, m))).
  (func (export "sumsq") (param $p i32) (param $n i32) (param $m f32) (result f32)
    (local $s f32) (local $d f32) (local $end i32)
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (loop $each
        (local.set $d (f32.div (f32.load (local.get $p)) (local.get $m)))
        (local.set $s (f32.add (local.get $s) (f32.mul (local.get $d) (local.get $d))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br_if $each (i32.lt_u (local.get $p) (local.get $end)))))
    (local.get $s)
  )
;; sum of x[i] * 0 over n float32: +0 when every x[i] is finite (a sum of signed
  ;; zeros from +0 is +0 in any order), NaN when one is NaN or infinite.
  (func (export "probe") (param $p i32) (param $n i32) (result f32)
    (local $acc v128) (local $s f32) (local $end i32) (local $vend i32)
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $vend (i32.add (local.get $p) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $vdone
      (br_if $vdone (i32.ge_u (local.get $p) (local.get $vend)))
      (loop $vec
        (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (v128.load align=4 (local.get $p)) (v128.const i32x4 0 0 0 0))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br_if $vec (i32.lt_u (local.get $p) (local.get $vend)))))
    (local.set $s (f32.add (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
                           (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
    (block $done
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (loop $tail
        (local.set $s (f32.add (local.get $s) (f32.mul (f32.load (local.get $p)) (f32.const 0))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br_if $tail (i32.lt_u (local.get $p) (local.get $end)))))
    (local.get $s)
  )
;; out[j] = sum over i of x[i * cols + j], each in order from i = 0, in f32.
  (func (export "colsum") (param $p i32) (param $rows i32) (param $cols i32) (param $out i32)
    (local $j i32) (local $i i32) (local $q i32) (local $acc v128) (local $s f32) (local $stride i32) (local $vcols i32)
    (local.set $stride (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $vcols (i32.and (local.get $cols) (i32.const -4)))
    (block $vdone
      (br_if $vdone (i32.eqz (local.get $vcols)))
      (loop $vcol
        (local.set $acc (v128.const i32x4 0 0 0 0))
        (local.set $q (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $i (i32.const 0))
        (block $rdone
          (br_if $rdone (i32.eqz (local.get $rows)))
          (loop $row
            (local.set $acc (f32x4.add (local.get $acc) (v128.load align=4 (local.get $q))))
            (local.set $q (i32.add (local.get $q) (local.get $stride)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $row (i32.lt_u (local.get $i) (local.get $rows)))))
        (v128.store align=4 (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 2))) (local.get $acc))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br_if $vcol (i32.lt_u (local.get $j) (local.get $vcols)))))
    (block $sdone
      (br_if $sdone (i32.ge_u (local.get $j) (local.get $cols)))
      (loop $scol
        (local.set $s (f32.const 0))
        (local.set $q (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $i (i32.const 0))
        (block $rdone2
          (br_if $rdone2 (i32.eqz (local.get $rows)))
          (loop $row2
            (local.set $s (f32.add (local.get $s) (f32.load (local.get $q))))
            (local.set $q (i32.add (local.get $q) (local.get $stride)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $row2 (i32.lt_u (local.get $i) (local.get $rows)))))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 2))) (local.get $s))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $scol (i32.lt_u (local.get $j) (local.get $cols)))))
  )
)
