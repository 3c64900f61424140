/** Frozen image backbones: manifest, preprocessing (shared by training and inference), ONNX runtime. */
export { type BackboneEntry, type BackboneInput, type BackboneManifest, type Layout, findBackbone, loadManifest, MANIFEST_FILE, parseManifest } from './manifest';
export { type BatchOptions, decodeRgb, DEFAULT_INPUT_SIZE, type ImageSource, PREPROCESS_VERSION, preprocessBatch, preprocessImage, resizeToInput, type RgbImage } from './preprocess';
export { type Backbone, DEFAULT_PROVIDERS, openBackbone, type OpenBackboneOptions, type ProviderAttempt, providerOrder, PROVIDERS_ENV, toModelInput } from './runtime';
