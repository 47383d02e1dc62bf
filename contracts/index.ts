/** Data contracts: YAML documents in this folder, compiled to zod, used to validate and quarantine rows. */
export { contractJsonSchema, type CompiledContract, type CompiledField } from './compile';
export { diffContracts, type Change, type ChangeKind, type DiffResult } from './diff';
export type { Issue } from './issues';
export {
  ContractError, DEFAULT_CONTRACTS_DIR, contractNames, loadAllContracts, loadContract, loadContractFile, parseContract,
  type ContractProblem,
} from './loader';
export { normalizeJquantsCode, type InputSource } from './coerce';
export type { ContractDoc, FieldDoc, FieldType, RuleDoc, RuleKind } from './schema';
export { checkColumns, parseCsv, readTable, readTableFor, TabularError, type Table, type TabularErrorCode } from './tabular';
export {
  decideQuarantine, validateRows, type QuarantineStatus, type QuarantinedRow, type SessionCalendar, type ValidRow,
  type ValidateOptions, type ValidationResult,
} from './validate';
