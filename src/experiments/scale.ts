/**
 * How big a run is. One switch, GRADNOISE_SCALE, read by notebooks, the CLI
 * and tests alike (papermill cannot pass parameters to a TypeScript kernel,
 * so parameters travel as environment variables):
 *   smoke  seconds; CI and tests check that everything runs end to end
 *   cpu    the experiment's full structure at a size this 2-core machine finishes
 *   paper  the paper's protocol; meant for a GPU
 */
export const SCALES = ["smoke", "cpu", "paper"] as const;
export type Scale = (typeof SCALES)[number];
export const SCALE_ENV = "GRADNOISE_SCALE";

export function parseScale(value: string | undefined, source = SCALE_ENV): Scale {
  const v = (value ?? "cpu").trim();
  if ((SCALES as readonly string[]).includes(v)) return v as Scale;
  throw new RangeError(`${source} must be one of ${SCALES.join(", ")}; got "${v}"`);
}

/** The scale from GRADNOISE_SCALE, default "cpu". */
export function currentScale(): Scale {
  return parseScale(process.env[SCALE_ENV]);
}
