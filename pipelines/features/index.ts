export {
  computeFeatureBatches, computeFeatures, resolveFeatures, FeatureError,
  type ComputeContext, type ComputeOptions, type FeatureBatch, type FeatureColumns, type FlowAccessor,
} from './compute';
export {
  frameFromColumns, frameFromRows, rowsFromFrame, rowCount, tickerIndexOfRows, FrameError, PRICE_COLUMNS,
  type PriceColumn, type PriceColumns, type PriceFrame, type PriceRow,
} from './frame';
export { computeLabels, labelAvailableDate, checkHorizons, DEFAULT_HORIZONS, type LabelColumns, type LabelHorizon, type LabelOptions } from './labels';
export {
  loadManifest, parseManifest, selectFeatures, DEFAULT_MANIFEST_PATH, FEATURE_STATUSES, FeatureSelectionError, ManifestError,
  type FeatureManifest, type FeatureStatus, type ManifestFeature, type ManifestProblem,
} from './manifest';
export { featureCsv } from './feature-csv';
export { parseCell, priceColumnsFromTable, readPriceColumns, PriceCsvReader, PriceInputError, OPTIONAL_PRICE_COLUMNS, PRICE_FILE_COLUMNS } from './price-file';
export {
  featureDef, FEATURES, FEATURE_DTYPES, FEATURE_SOURCES, MAX_FLOW_OBSERVATIONS,
  type FeatureDef, type FeatureDtype, type FeatureParams, type FeatureSource, type FlowFeature, type SeriesFeature,
} from './registry';
export { latestZScore, signSum } from './kernels/flows';
export { pctChange } from './kernels/returns';
export { rsi } from './kernels/rsi';
export { sma, volumeRatio } from './kernels/sma';
