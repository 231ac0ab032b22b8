/**
 * Seeded synthetic classification: Gaussian clusters around random class
 * centres. Small enough to train in seconds, hard enough that a network that
 * cannot learn sits at chance (1 / classes).
 */
import { gaussian, SeedPart, uniformStream } from "../random/rng";
import { checkDataset, Dataset } from "./dataset";

export interface ClustersOptions {
  n: number;
  features: number;
  classes: number;
  /** Distance scale of the class centres relative to the unit within-class noise. */
  separation: number;
  seed: SeedPart;
}

export function gaussianClusters({ n, features, classes, separation, seed }: ClustersOptions): Dataset {
  for (const [k, v] of Object.entries({ n, features, classes })) {
    if (!Number.isInteger(v) || v <= 0) throw new RangeError(`gaussianClusters(): ${k} must be a positive integer, got ${v}`);
  }
  const centres = gaussian(classes * features, separation, seed, "centres");
  const noise = gaussian(n * features, 1, seed, "noise");
  const pick = uniformStream(seed, "labels");
  const x = new Float32Array(n * features);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(pick() * classes);
    y[i] = c;
    for (let j = 0; j < features; j++) x[i * features + j] = centres[c * features + j] + noise[i * features + j];
  }
  return checkDataset({ x, y, n, features, classes }, "gaussianClusters()");
}
