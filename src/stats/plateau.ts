/**
 * When has a run left the plateau? A network that can learn only its output
 * bias predicts the majority class for every input; a run counts as having
 * left when its accuracy is 10 points above that rate. Sections 3 and 4.1
 * use this one rule.
 */
export const PLATEAU_MARGIN = 0.1;

export function leftPlateau(accuracy: number, plateauRate: number, margin = PLATEAU_MARGIN): boolean {
  return accuracy > plateauRate + margin;
}
