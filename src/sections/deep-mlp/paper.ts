/**
 * Table 1 of the revised paper (shared/papers/001, Section 4.1): the six
 * initialisation / clipping experiments and the paper's best and average
 * test accuracy over 40 runs per row.
 */
import { InitScheme, SIMPLE_INIT } from "../../models/init";

export const TABLE1_SETTINGS = ["No Noise", "With Noise", "No Noise + Dropout"] as const;
export type Table1Setting = (typeof TABLE1_SETTINGS)[number];

export interface Table1Row {
  setting: Table1Setting;
  /** The paper's best and average test accuracy over 40 runs (Table 1). */
  paper: { best: number; avg: number };
}

export interface Table1Experiment {
  id: string;
  title: string;
  init: InitScheme;
  /** Global-norm clip threshold, or null for none. */
  clip: number | null;
  rows: Table1Row[];
}

export const TABLE1: readonly Table1Experiment[] = [
  { id: "exp1", title: "Simple Init, No Gradient Clip", init: SIMPLE_INIT, clip: null, rows: [
    { setting: "No Noise", paper: { best: 0.899, avg: 0.431 } },
    { setting: "With Noise", paper: { best: 0.967, avg: 0.527 } },
    { setting: "No Noise + Dropout", paper: { best: 0.113, avg: 0.108 } },
  ] },
  { id: "exp2", title: "Simple Init, Gradient Clip = 100", init: SIMPLE_INIT, clip: 100, rows: [
    { setting: "No Noise", paper: { best: 0.9, avg: 0.463 } },
    { setting: "With Noise", paper: { best: 0.967, avg: 0.523 } },
  ] },
  { id: "exp3", title: "Simple Init, Gradient Clip = 10", init: SIMPLE_INIT, clip: 10, rows: [
    { setting: "No Noise", paper: { best: 0.957, avg: 0.516 } },
    { setting: "With Noise", paper: { best: 0.97, avg: 0.536 } },
  ] },
  { id: "exp4", title: "Good Init 1 (random walk) + Gradient Clip = 10", init: { kind: "randomWalk" }, clip: 10, rows: [
    { setting: "No Noise", paper: { best: 0.974, avg: 0.921 } },
    { setting: "With Noise", paper: { best: 0.975, avg: 0.922 } },
  ] },
  { id: "exp5", title: "Good Init 2 (He) + Gradient Clip = 10", init: { kind: "he" }, clip: 10, rows: [
    { setting: "No Noise", paper: { best: 0.974, avg: 0.917 } },
    { setting: "With Noise", paper: { best: 0.972, avg: 0.917 } },
  ] },
  { id: "exp6", title: "Bad Init (Zero Init) + Gradient Clip = 10", init: { kind: "zeros" }, clip: 10, rows: [
    { setting: "No Noise", paper: { best: 0.114, avg: 0.101 } },
    { setting: "With Noise", paper: { best: 0.945, avg: 0.497 } },
  ] },
];

/**
 * Test accuracy of a network stuck on the plateau: MNIST's test set is 11.35%
 * digit 1 (1,135 of 10,000), what a model that can only learn its output bias
 * ends up predicting for every image.
 */
export const MNIST_PLATEAU = 0.1135;
