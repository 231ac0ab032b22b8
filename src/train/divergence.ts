/**
 * When a training run has diverged: the one definition every experiment
 * records (`diverged` in its record) and every table counts.
 *
 * A run diverged when a recorded training loss (softmax cross-entropy, nats
 * per example) is ever
 *   (a) not finite (NaN or infinite; records store such values as null), or
 *   (b) above BLOWUP_FACTOR x ln K, K the number of classes the softmax
 *       chooses among.
 * ln K is the loss of a uniform prediction, where an untrained classifier
 * starts (a zero-initialised MLP on MNIST starts at exactly ln 10 = 2.30).
 * The reference is fixed rather than the run's first recorded loss because
 * a run can blow up within its first logging interval (MemN2N records one
 * mean per epoch). A loss of L nats gives the true class probability e^-L,
 * so (b) means logits thousands of units apart (2,300 nats for K = 10):
 * weights that have blown up, which a bad batch, a noisy spike or a linear
 * start does not produce. A MemN2N loss of 2.4e10 counts; the committed cpu
 * results peak at 16 x ln K (MemN2N linear start, task 3) and 3.4 x ln K
 * (MNIST), far below the rule.
 */
export const BLOWUP_FACTOR = 1000;

/** The loss above which a run with `classes` classes counts as blown up. */
export function blowUpLoss(classes: number): number {
  return BLOWUP_FACTOR * Math.log(Math.max(2, classes));
}

/** Does this loss curve (in recorded order; null = non-finite) show divergence? */
export function lossDiverged(losses: readonly (number | null)[], classes: number): boolean {
  const limit = blowUpLoss(classes);
  return losses.some((l) => l === null || !Number.isFinite(l) || l > limit);
}

/**
 * Whether a recorded run diverged: its `diverged` flag, or its loss curve
 * under lossDiverged (records written before the blow-up rule flagged only
 * non-finite losses; judging the curve counts them the same way).
 */
export function runDiverged(record: { diverged?: boolean }, losses: readonly (number | null)[], classes: number): boolean {
  return record.diverged === true || lossDiverged(losses, classes);
}

/** How tables say it (one caption wording for every experiment). */
export const DIVERGED_RULE = `training loss non-finite or above ${BLOWUP_FACTOR} x ln(classes), i.e. ${BLOWUP_FACTOR} times a uniform guess's`;
