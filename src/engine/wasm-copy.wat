;; Masks and copies for tfjs-backend-wasm over its heap, with the bits of the
;; tfjs ops they replace (engine/wasm-copy.ts):
;; $clipgrad is clipByValue's gradient, where(x >= lo && x <= hi, dy, 0),
;; optionally times a scale (the gradient of clip(a z + b, lo, hi) through
;; a z: Multiply by a); a lane's mask is all ones or all zeros, so dy & mask
;; is dy's bits or +0, as Select with zerosLike picks them. A NaN x is
;; outside (both comparisons false), as in the original.
;; $satgrad is the gradient of the saturation cost sum(relu(|x| - lim) rows)
;; as tfjs's taped chain computes it: dy * 1 (Sum), * rows (Multiply),
;; * step(|x| - lim) (Relu), * step(x, -1) (Abs), each an f32 multiply in
;; that order (so signed zeros come out as they do there); the backend's
;; step(v, alpha) is 1 for v > 0, alpha otherwise, and v itself for a NaN.
;; $dropout draws an inverted-dropout mask straight into a tensor on the heap
;; with the JS loop's integer steps (xoshiro128**) and comparison (u as an
;; unsigned integer against keep 2^32 in f64).
;; $moveblock moves a column block of a matrix by whole rows (DNGPU's diagonal
;; shift and its adjoint, models/diagonal-shift.ts).
;; $stack, $stackt and $sumblock are the shift convolutions' copies
;; (engine/shift-kernels.ts): pure copies, and f32 additions per element in
;; the same order as the JS loops they replace (block by block from +0).
;; Assembled by scripts/assemble-wat.cjs into wasm-copy-wasm.ts.
(module
  (import "env" "memory" (memory 0))

  ;; out[i] = (x[i] >= lo && x[i] <= hi ? dy[i] : +0) (times scale when $scaled), n float32.
  (func (export "clipgrad") (param $x i32) (param $dy i32) (param $out i32) (param $n i32) (param $lo f32) (param $hi f32) (param $scale f32) (param $scaled i32)
    (local $vend i32) (local $end i32) (local $lo4 v128) (local $hi4 v128) (local $s4 v128) (local $xv v128) (local $v v128) (local $xs f32) (local $d f32)
    (local.set $lo4 (f32x4.splat (local.get $lo)))
    (local.set $hi4 (f32x4.splat (local.get $hi)))
    (local.set $s4 (f32x4.splat (local.get $scale)))
    (local.set $vend (i32.add (local.get $x) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
    (block $vdone
      (br_if $vdone (i32.ge_u (local.get $x) (local.get $vend)))
      (loop $vec
        (local.set $xv (v128.load align=4 (local.get $x)))
        (local.set $v (v128.and (v128.load align=4 (local.get $dy))
                                (v128.and (f32x4.ge (local.get $xv) (local.get $lo4)) (f32x4.le (local.get $xv) (local.get $hi4)))))
        (if (local.get $scaled) (then (local.set $v (f32x4.mul (local.get $v) (local.get $s4)))))
        (v128.store align=4 (local.get $out) (local.get $v))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $dy (i32.add (local.get $dy) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (br_if $vec (i32.lt_u (local.get $x) (local.get $vend)))))
    (block $done
      (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
      (loop $tail
        (local.set $xs (f32.load (local.get $x)))
        (local.set $d (select (f32.load (local.get $dy)) (f32.const 0)
                              (i32.and (f32.ge (local.get $xs) (local.get $lo)) (f32.le (local.get $xs) (local.get $hi)))))
        (if (local.get $scaled) (then (local.set $d (f32.mul (local.get $d) (local.get $scale)))))
        (f32.store (local.get $out) (local.get $d))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (local.set $dy (i32.add (local.get $dy) (i32.const 4)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br_if $tail (i32.lt_u (local.get $x) (local.get $end)))))
  )

  ;; out[i, j] = ((dy * 1 * rows[i]) * step(|x| - lim, 0)) * step(x, -1), x and out [n, c], rows [n].
  (func (export "satgrad") (param $x i32) (param $rows i32) (param $out i32) (param $n i32) (param $c i32) (param $dy f32) (param $lim f32)
    (local $i i32) (local $end i32) (local $vend i32) (local $r f32) (local $r4 v128) (local $lim4 v128) (local $xv v128) (local $sv v128) (local $xs f32) (local $ss f32) (local $v f32)
    (local.set $lim4 (f32x4.splat (local.get $lim)))
    (block $done
      (br_if $done (i32.ge_s (local.get $i) (local.get $n)))
      (loop $row
        (local.set $r (f32.mul (f32.mul (local.get $dy) (f32.const 1)) (f32.load (i32.add (local.get $rows) (i32.shl (local.get $i) (i32.const 2))))))
        (local.set $r4 (f32x4.splat (local.get $r)))
        (local.set $vend (i32.add (local.get $x) (i32.shl (i32.and (local.get $c) (i32.const -4)) (i32.const 2))))
        (local.set $end (i32.add (local.get $x) (i32.shl (local.get $c) (i32.const 2))))
        (block $vdone
          (br_if $vdone (i32.ge_u (local.get $x) (local.get $vend)))
          (loop $vec
            (local.set $xv (v128.load align=4 (local.get $x)))
            (local.set $sv (f32x4.sub (f32x4.abs (local.get $xv)) (local.get $lim4)))
            ;; step(v, alpha): 1 where v > 0, alpha where not, v itself where v is NaN
            (v128.store align=4 (local.get $out)
              (f32x4.mul
                (f32x4.mul (local.get $r4)
                  (v128.bitselect (local.get $sv)
                    (v128.bitselect (v128.const f32x4 1 1 1 1) (v128.const f32x4 0 0 0 0) (f32x4.gt (local.get $sv) (v128.const f32x4 0 0 0 0)))
                    (f32x4.ne (local.get $sv) (local.get $sv))))
                (v128.bitselect (local.get $xv)
                  (v128.bitselect (v128.const f32x4 1 1 1 1) (v128.const f32x4 -1 -1 -1 -1) (f32x4.gt (local.get $xv) (v128.const f32x4 0 0 0 0)))
                  (f32x4.ne (local.get $xv) (local.get $xv)))))
            (local.set $x (i32.add (local.get $x) (i32.const 16)))
            (local.set $out (i32.add (local.get $out) (i32.const 16)))
            (br_if $vec (i32.lt_u (local.get $x) (local.get $vend)))))
        (block $tdone
          (br_if $tdone (i32.ge_u (local.get $x) (local.get $end)))
          (loop $tail
            (local.set $xs (f32.load (local.get $x)))
            (local.set $ss (f32.sub (f32.abs (local.get $xs)) (local.get $lim)))
            (local.set $v (f32.mul (local.get $r)
              (select (local.get $ss) (select (f32.const 1) (f32.const 0) (f32.gt (local.get $ss) (f32.const 0))) (f32.ne (local.get $ss) (local.get $ss)))))
            (f32.store (local.get $out) (f32.mul (local.get $v)
              (select (local.get $xs) (select (f32.const 1) (f32.const -1) (f32.gt (local.get $xs) (f32.const 0))) (f32.ne (local.get $xs) (local.get $xs)))))
            (local.set $x (i32.add (local.get $x) (i32.const 4)))
            (local.set $out (i32.add (local.get $out) (i32.const 4)))
            (br_if $tail (i32.lt_u (local.get $x) (local.get $end)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $row (i32.lt_s (local.get $i) (local.get $n)))))
  )

  ;; out[i] for i < n: xoshiro128** from the state (s0, s1, s2, s3), as models/hidden-noise.ts dropoutMask draws it in JS:
  ;; the 32-bit output u (unsigned) below threshold gives scale, else +0.
  (func (export "dropout") (param $out i32) (param $n i32) (param $s0 i32) (param $s1 i32) (param $s2 i32) (param $s3 i32) (param $threshold f64) (param $scale f32)
    (local $end i32) (local $u i32) (local $t i32)
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
      (loop $each
        (local.set $u (i32.mul (i32.rotl (i32.mul (local.get $s1) (i32.const 5)) (i32.const 7)) (i32.const 9)))
        (local.set $t (i32.shl (local.get $s1) (i32.const 9)))
        (local.set $s2 (i32.xor (local.get $s2) (local.get $s0)))
        (local.set $s3 (i32.xor (local.get $s3) (local.get $s1)))
        (local.set $s1 (i32.xor (local.get $s1) (local.get $s2)))
        (local.set $s0 (i32.xor (local.get $s0) (local.get $s3)))
        (local.set $s2 (i32.xor (local.get $s2) (local.get $t)))
        (local.set $s3 (i32.rotl (local.get $s3) (i32.const 11)))
        (f32.store (local.get $out)
          (select (local.get $scale) (f32.const 0) (f64.lt (f64.convert_i32_u (local.get $u)) (local.get $threshold))))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br_if $each (i32.lt_u (local.get $out) (local.get $end)))))
  )

  ;; columns col0 .. col0 + w - 1 of dst [n, m]: row p = src[p + shift] (+ 0 when $addzero: -0 becomes +0, as a sum
  ;; with the zeros of a padded gradient does), +0 where p + shift is outside 0 .. n - 1.
  (func (export "moveblock") (param $src i32) (param $dst i32) (param $n i32) (param $m i32) (param $col0 i32) (param $w i32) (param $shift i32) (param $addzero i32)
    (local $p i32) (local $q i32) (local $s i32) (local $d i32) (local $end i32) (local $vend i32) (local $stride i32)
    (local.set $stride (i32.shl (local.get $m) (i32.const 2)))
    (block $done
      (br_if $done (i32.ge_s (local.get $p) (local.get $n)))
      (loop $row
        (local.set $q (i32.add (local.get $p) (local.get $shift)))
        (local.set $d (i32.add (local.get $dst) (i32.add (i32.mul (local.get $p) (local.get $stride)) (i32.shl (local.get $col0) (i32.const 2)))))
        (local.set $end (i32.add (local.get $d) (i32.shl (local.get $w) (i32.const 2))))
        (local.set $vend (i32.add (local.get $d) (i32.shl (i32.and (local.get $w) (i32.const -4)) (i32.const 2))))
        (if (i32.and (i32.ge_s (local.get $q) (i32.const 0)) (i32.lt_s (local.get $q) (local.get $n)))
          (then
            (local.set $s (i32.add (local.get $src) (i32.add (i32.mul (local.get $q) (local.get $stride)) (i32.shl (local.get $col0) (i32.const 2)))))
            (block $vdone
              (br_if $vdone (i32.ge_u (local.get $d) (local.get $vend)))
              (loop $vec
                (if (local.get $addzero)
                  (then (v128.store align=4 (local.get $d) (f32x4.add (v128.load align=4 (local.get $s)) (v128.const i32x4 0 0 0 0))))
                  (else (v128.store align=4 (local.get $d) (v128.load align=4 (local.get $s)))))
                (local.set $s (i32.add (local.get $s) (i32.const 16)))
                (local.set $d (i32.add (local.get $d) (i32.const 16)))
                (br_if $vec (i32.lt_u (local.get $d) (local.get $vend)))))
            (block $tdone
              (br_if $tdone (i32.ge_u (local.get $d) (local.get $end)))
              (loop $tail
                (if (local.get $addzero)
                  (then (f32.store (local.get $d) (f32.add (f32.load (local.get $s)) (f32.const 0))))
                  (else (i32.store (local.get $d) (i32.load (local.get $s)))))
                (local.set $s (i32.add (local.get $s) (i32.const 4)))
                (local.set $d (i32.add (local.get $d) (i32.const 4)))
                (br_if $tail (i32.lt_u (local.get $d) (local.get $end))))))
          (else
            (block $zdone
              (br_if $zdone (i32.ge_u (local.get $d) (local.get $end)))
              (loop $zero
                (f32.store (local.get $d) (f32.const 0))
                (local.set $d (i32.add (local.get $d) (i32.const 4)))
                (br_if $zero (i32.lt_u (local.get $d) (local.get $end)))))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br_if $row (i32.lt_s (local.get $p) (local.get $n)))))
  )

  ;; copies c float32 from $src to $dst (or zeros them when $src is -1); 16 bytes at a time, then the rest.
  (func $row (param $src i32) (param $dst i32) (param $c i32)
    (local $vend i32) (local $end i32)
    (local.set $vend (i32.add (local.get $dst) (i32.shl (i32.and (local.get $c) (i32.const -4)) (i32.const 2))))
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $c) (i32.const 2))))
    (if (i32.eq (local.get $src) (i32.const -1))
      (then
        (block $zdone
          (br_if $zdone (i32.ge_u (local.get $dst) (local.get $vend)))
          (loop $zvec
            (v128.store align=4 (local.get $dst) (v128.const i32x4 0 0 0 0))
            (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
            (br_if $zvec (i32.lt_u (local.get $dst) (local.get $vend)))))
        (block $ztdone
          (br_if $ztdone (i32.ge_u (local.get $dst) (local.get $end)))
          (loop $ztail
            (f32.store (local.get $dst) (f32.const 0))
            (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
            (br_if $ztail (i32.lt_u (local.get $dst) (local.get $end))))))
      (else
        (block $vdone
          (br_if $vdone (i32.ge_u (local.get $dst) (local.get $vend)))
          (loop $vec
            (v128.store align=4 (local.get $dst) (v128.load align=4 (local.get $src)))
            (local.set $src (i32.add (local.get $src) (i32.const 16)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
            (br_if $vec (i32.lt_u (local.get $dst) (local.get $vend)))))
        (block $tdone
          (br_if $tdone (i32.ge_u (local.get $dst) (local.get $end)))
          (loop $tail
            (i32.store (local.get $dst) (i32.load (local.get $src)))
            (local.set $src (i32.add (local.get $src) (i32.const 4)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
            (br_if $tail (i32.lt_u (local.get $dst) (local.get $end)))))))
  )

  ;; block t of out [n, k c]: row p = x[p + o] for lo <= p < hi, zeros elsewhere (x [n, c]).
  (func (export "stack") (param $x i32) (param $out i32) (param $n i32) (param $c i32) (param $k i32) (param $t i32) (param $o i32) (param $lo i32) (param $hi i32)
    (local $p i32) (local $w i32) (local $dst i32)
    (local.set $w (i32.shl (i32.mul (local.get $k) (local.get $c)) (i32.const 2)))
    (local.set $dst (i32.add (local.get $out) (i32.shl (i32.mul (local.get $t) (local.get $c)) (i32.const 2))))
    (block $done
      (br_if $done (i32.ge_s (local.get $p) (local.get $n)))
      (loop $each
        (call $row
          (if (result i32) (i32.and (i32.ge_s (local.get $p) (local.get $lo)) (i32.lt_s (local.get $p) (local.get $hi)))
            (then (i32.add (local.get $x) (i32.shl (i32.mul (i32.add (local.get $p) (local.get $o)) (local.get $c)) (i32.const 2))))
            (else (i32.const -1)))
          (local.get $dst) (local.get $c))
        (local.set $dst (i32.add (local.get $dst) (local.get $w)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br_if $each (i32.lt_s (local.get $p) (local.get $n)))))
  )

  ;; rows t c .. t c + c - 1 of out [k c, n] (the stack transposed): out[t c + j][p] = x[p + o][j] for lo <= p < hi, zeros elsewhere.
  ;; Four rows of out at a time: each x row's four values are one load, written to four rows.
  (func (export "stackt") (param $x i32) (param $out i32) (param $n i32) (param $c i32) (param $t i32) (param $o i32) (param $lo i32) (param $hi i32)
    (local $j i32) (local $p i32) (local $base i32) (local $stride i32) (local $src i32) (local $dst i32) (local $v v128) (local $c4 i32)
    (local.set $stride (i32.shl (local.get $n) (i32.const 2)))
    (local.set $base (i32.add (local.get $out) (i32.mul (i32.mul (local.get $t) (local.get $c)) (local.get $stride))))
    (local.set $c4 (i32.and (local.get $c) (i32.const -4)))
    ;; zeros outside lo..hi, every row
    (local.set $j (i32.const 0))
    (block $zdone
      (br_if $zdone (i32.ge_s (local.get $j) (local.get $c)))
      (loop $zrow
        (local.set $dst (i32.add (local.get $base) (i32.mul (local.get $j) (local.get $stride))))
        (local.set $p (i32.const 0))
        (block $z1done
          (br_if $z1done (i32.ge_s (local.get $p) (local.get $lo)))
          (loop $z1
            (f32.store (i32.add (local.get $dst) (i32.shl (local.get $p) (i32.const 2))) (f32.const 0))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br_if $z1 (i32.lt_s (local.get $p) (local.get $lo)))))
        (local.set $p (local.get $hi))
        (block $z2done
          (br_if $z2done (i32.ge_s (local.get $p) (local.get $n)))
          (loop $z2
            (f32.store (i32.add (local.get $dst) (i32.shl (local.get $p) (i32.const 2))) (f32.const 0))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br_if $z2 (i32.lt_s (local.get $p) (local.get $n)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $zrow (i32.lt_s (local.get $j) (local.get $c)))))
    ;; four columns of x at a time
    (local.set $j (i32.const 0))
    (block $vdone
      (br_if $vdone (i32.ge_s (local.get $j) (local.get $c4)))
      (loop $vcol
        (local.set $p (local.get $lo))
        (local.set $dst (i32.add (local.get $base) (i32.add (i32.mul (local.get $j) (local.get $stride)) (i32.shl (local.get $p) (i32.const 2)))))
        (local.set $src (i32.add (local.get $x) (i32.shl (i32.add (i32.mul (i32.add (local.get $p) (local.get $o)) (local.get $c)) (local.get $j)) (i32.const 2))))
        (block $pdone
          (br_if $pdone (i32.ge_s (local.get $p) (local.get $hi)))
          (loop $prow
            (local.set $v (v128.load align=4 (local.get $src)))
            (f32.store (local.get $dst) (f32x4.extract_lane 0 (local.get $v)))
            (f32.store (i32.add (local.get $dst) (local.get $stride)) (f32x4.extract_lane 1 (local.get $v)))
            (f32.store (i32.add (local.get $dst) (i32.shl (local.get $stride) (i32.const 1))) (f32x4.extract_lane 2 (local.get $v)))
            (f32.store (i32.add (local.get $dst) (i32.mul (local.get $stride) (i32.const 3))) (f32x4.extract_lane 3 (local.get $v)))
            (local.set $src (i32.add (local.get $src) (i32.shl (local.get $c) (i32.const 2))))
            (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br_if $prow (i32.lt_s (local.get $p) (local.get $hi)))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br_if $vcol (i32.lt_s (local.get $j) (local.get $c4)))))
    ;; the last c mod 4 columns
    (block $sdone
      (br_if $sdone (i32.ge_s (local.get $j) (local.get $c)))
      (loop $scol
        (local.set $p (local.get $lo))
        (local.set $dst (i32.add (local.get $base) (i32.add (i32.mul (local.get $j) (local.get $stride)) (i32.shl (local.get $p) (i32.const 2)))))
        (local.set $src (i32.add (local.get $x) (i32.shl (i32.add (i32.mul (i32.add (local.get $p) (local.get $o)) (local.get $c)) (local.get $j)) (i32.const 2))))
        (block $p2done
          (br_if $p2done (i32.ge_s (local.get $p) (local.get $hi)))
          (loop $prow2
            (i32.store (local.get $dst) (i32.load (local.get $src)))
            (local.set $src (i32.add (local.get $src) (i32.shl (local.get $c) (i32.const 2))))
            (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br_if $prow2 (i32.lt_s (local.get $p) (local.get $hi)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $scol (i32.lt_s (local.get $j) (local.get $c)))))
  )

  ;; out[q] += g[q - o, block t] for lo <= q < hi (out [n, c], g [n, k c]), element by element in f32.
  (func (export "sumblock") (param $g i32) (param $out i32) (param $c i32) (param $k i32) (param $t i32) (param $o i32) (param $lo i32) (param $hi i32)
    (local $q i32) (local $src i32) (local $dst i32) (local $vend i32) (local $end i32)
    (local.set $q (local.get $lo))
    (block $done
      (br_if $done (i32.ge_s (local.get $q) (local.get $hi)))
      (loop $each
        (local.set $src (i32.add (local.get $g) (i32.shl (i32.add (i32.mul (i32.sub (local.get $q) (local.get $o)) (i32.mul (local.get $k) (local.get $c))) (i32.mul (local.get $t) (local.get $c))) (i32.const 2))))
        (local.set $dst (i32.add (local.get $out) (i32.shl (i32.mul (local.get $q) (local.get $c)) (i32.const 2))))
        (local.set $vend (i32.add (local.get $dst) (i32.shl (i32.and (local.get $c) (i32.const -4)) (i32.const 2))))
        (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $c) (i32.const 2))))
        (block $vdone
          (br_if $vdone (i32.ge_u (local.get $dst) (local.get $vend)))
          (loop $vec
            (v128.store align=4 (local.get $dst) (f32x4.add (v128.load align=4 (local.get $dst)) (v128.load align=4 (local.get $src))))
            (local.set $src (i32.add (local.get $src) (i32.const 16)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
            (br_if $vec (i32.lt_u (local.get $dst) (local.get $vend)))))
        (block $tdone
          (br_if $tdone (i32.ge_u (local.get $dst) (local.get $end)))
          (loop $tail
            (f32.store (local.get $dst) (f32.add (f32.load (local.get $dst)) (f32.load (local.get $src))))
            (local.set $src (i32.add (local.get $src) (i32.const 4)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
            (br_if $tail (i32.lt_u (local.get $dst) (local.get $end)))))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br_if $each (i32.lt_s (local.get $q) (local.get $hi)))))
  )
)
