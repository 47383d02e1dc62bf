/** Expected failures of a fit, kept apart from mlp.ts so catching them does not load tfjs. */
export class MlpError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MlpError';
  }
}
