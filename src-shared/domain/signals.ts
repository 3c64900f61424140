/**
 * The quality-signal thresholds: one home for the core's reasons (explainSignals in
 * src-main/core/ml/features/signals.ts) and the renderer's signal hints (src-renderer/components/signals.ts),
 * so a tooltip never calls "blocky" what the core calls normal.
 */

/**
 * Thresholds behind explainSignals, tuned on shared/datasets/quality-dev (EOL-style JPEGs, long side
 * 580 px; src-main/core/ml/features/signals.test.ts prints the hit and false-flag rates). Measured there, for bad images of
 * the degradation named / for the 243 good ones: they explain; they do not classify.
 */
export const EXPLAIN_THRESHOLDS = {
  /** 'blurry': relSharpness below this (gaussian blur 100% / good 0%; motion blur ~45%). Not said of tiny images. */
  blurryRelSharpness: 0.008,
  /** 'noisy': noise sigma above this, in grey levels (noise 100% / good 0%). Not said of tiny images, where fine texture reads as noise. */
  noisyNoise: 6,
  /** 'jpeg artefacts': blockiness above this (jpeg 100% / good 0%; good peaks at 1.6, heavy JPEG starts at 2.2). */
  jpegBlockiness: 1.8,
  /** 'underexposed': mean luma below underMeanLuma, or more than underDarkClipped of the pixels black (under 86% / good 5%: naturally dark scenes). */
  underMeanLuma: 0.2,
  underDarkClipped: 0.14,
  /**
   * 'overexposed': mean luma above overMeanLuma, or more than overBrightClipped of the pixels white,
   * while the picture has no deep tones left (contrast, p95 − p5, below overMaxContrast). Over-exposure
   * lifts the shadows (the dev set's over-exposed photos reach 0.42 at most); a bright picture that
   * keeps its blacks is a white backdrop, paper or sky, not over-exposure (over 96% / good 1%; said of
   * 10 of the 45 shared drawings, 34 without the contrast condition).
   */
  overMeanLuma: 0.75,
  overBrightClipped: 0.25,
  overMaxContrast: 0.6,
  /** 'low contrast / hazy': p95 - p5 of luma below hazyContrast while mean luma is mid-range (hazyMinLuma..1 - hazyMinLuma); dark or bright flat images are exposure problems (haze 100% / good 0%). */
  hazyContrast: 0.25,
  hazyMinLuma: 0.25,
  /** 'tiny': long side below this, px. */
  tinyLongSide: 200,
  /** 'dull colours': colourfulness between dullMinColourfulness (below: greyscale on purpose) and dullColourfulness (good 1%; said of 46% of under-exposed, 38% of hazy, 25% of over-exposed). */
  dullColourfulness: 10,
  dullMinColourfulness: 1,
  /**
   * Defect detectors (generic.ts), set above what the 243 good dev photos reach (their 95th/99th
   * percentiles in brackets) and checked against the distortion library's ladders (generic.test.ts).
   * motion: directional anisotropy with a soft picture (good p95 0.76; motion-blurred dev median 0.68).
   */
  motion: 0.7,
  strongMotion: 0.85,
  motionMaxRelSharpness: 0.03,
  /** ringing: log ratio of |Laplacian| beside edges vs elsewhere (good p99 2.5; JPEG 2000 level 4 2.4). */
  ringing: 2.6,
  /** posterise: share of empty levels inside the used range (good p99 0.00; quantisation ≥ 0.9). */
  posterise: 0.3,
  /** impulse: share of isolated specks (good p99 0.0002; 1% salt-and-pepper 0.003). */
  impulse: 0.001,
  /** colourCast: mean chroma / chroma spread (good p99 5.4: nature photos are often green or blue on purpose). */
  colourCast: 6,
  /** vignetting: log(centre / corner luma) (good p99 1.07). */
  vignetting: 1.2,
  /** pixelation: share of identical neighbours (good p95 0.44; pixelate level 4 0.86); not said with JPEG artefacts. */
  pixelation: 0.6,
  /** upscaling: missing finest octave (good p99 2.1; down-up level 4 2.1, blur 2.2+); not said when blurry. */
  upscaling: 2.2,
} as const;

/** The thresholds' shape, with any numbers (EXPLAIN_THRESHOLDS' own type holds its literal values). */
export type ExplainThresholds = { readonly [K in keyof typeof EXPLAIN_THRESHOLDS]: number };
