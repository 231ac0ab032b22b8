/**
 * Token streams for truncated backpropagation through time, in the layout of
 * tensorflow/models' ptb_iterator (Zaremba et al. 2014): the split's ids are
 * cut into `batch` contiguous rows of floor(n / batch) tokens (the remainder
 * dropped), row r holding tokens [r*len, (r+1)*len). Window i is columns
 * [i*steps, (i+1)*steps) of every row as inputs and the same columns shifted
 * by one as targets, so row r of window i+1 continues row r of window i: the
 * recurrent state carried from one window to the next sees a continuous text.
 * Deterministic: no shuffling (the order is the text's).
 */

export interface BpttWindow {
  /** Row-major [batch, steps] input ids. */
  inputs: Int32Array;
  /** Row-major [batch, steps] target ids: the next token of each input. */
  targets: Int32Array;
  batch: number;
  /** Columns in this window: `steps`, or fewer for the last window with `partial`. */
  steps: number;
}

export class BpttStream {
  /** Tokens per row. */
  readonly rowLength: number;
  /** Windows per pass over the data (the reader's epoch_size). */
  readonly windows: number;
  private readonly rows: Int32Array;

  /**
   * @param partial also yield a final shorter window covering the row's last
   *   tokens (evaluation: every token but the first of each row is predicted);
   *   ptb_iterator drops it (training).
   */
  constructor(
    ids: Int32Array,
    readonly batch: number,
    readonly steps: number,
    readonly partial = false,
  ) {
    if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`BpttStream: batch must be a positive integer, got ${batch}`);
    if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`BpttStream: steps must be a positive integer, got ${steps}`);
    this.rowLength = Math.floor(ids.length / batch);
    const predictable = this.rowLength - 1;
    this.windows = partial ? Math.ceil(predictable / steps) : Math.floor(predictable / steps);
    if (this.windows < 1) throw new RangeError(`BpttStream: ${ids.length} tokens in ${batch} rows give no window of ${steps} steps (need at least ${batch * (steps + 1)} tokens)`);
    this.rows = ids.subarray(0, batch * this.rowLength);
  }

  /** Tokens predicted in one pass (targets over all windows). */
  get targetCount(): number {
    return this.batch * (this.partial ? this.rowLength - 1 : this.windows * this.steps);
  }

  /** Window `i` (0-based, < windows). */
  window(i: number): BpttWindow {
    if (!Number.isInteger(i) || i < 0 || i >= this.windows) throw new RangeError(`BpttStream.window(): index ${i} outside 0..${this.windows - 1}`);
    const start = i * this.steps;
    const steps = Math.min(this.steps, this.rowLength - 1 - start);
    const inputs = new Int32Array(this.batch * steps);
    const targets = new Int32Array(this.batch * steps);
    for (let r = 0; r < this.batch; r++) {
      const base = r * this.rowLength + start;
      inputs.set(this.rows.subarray(base, base + steps), r * steps);
      targets.set(this.rows.subarray(base + 1, base + 1 + steps), r * steps);
    }
    return { inputs, targets, batch: this.batch, steps };
  }

  *[Symbol.iterator](): IterableIterator<BpttWindow> {
    for (let i = 0; i < this.windows; i++) yield this.window(i);
  }
}
