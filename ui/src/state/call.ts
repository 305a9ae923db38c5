/**
 * The one way the UI asks the core. `call` sends a request and checks the answer against
 * `ANSWERS`, the table generated from crates/api that names the response type for each
 * request type, so a caller uses the typed answer directly and never checks `type` itself.
 */
import { ANSWERS, type AnswerTo, type ApiError, type Request, type Response } from '../bindings';
import { toApiError } from '../transport';

/** Sends a request; resolves its typed answer, rejects with an `ApiError`. */
export type Call = <T extends Request>(request: T, signal?: AbortSignal) => Promise<AnswerTo<T['type']>>;

/**
 * The answer to `request`, or an `internal` ApiError naming both types when the core
 * answered with another response: a core and UI built from different API versions.
 */
export function answerTo<T extends Request>(request: T, response: Response): AnswerTo<T['type']> {
  if (response.type !== ANSWERS[request.type]) {
    const error: ApiError = { kind: 'internal', message: `the core answered ${request.type} with ${response.type}` };
    throw error;
  }
  return response as AnswerTo<T['type']>;
}

/** A `call` over a transport's `rpc`: whatever it throws becomes an `ApiError`. */
export function callOver(rpc: (request: Request, signal?: AbortSignal) => Promise<Response>): Call {
  return async (request, signal) => {
    let response: Response;
    try {
      response = await rpc(request, signal);
    } catch (e) {
      throw toApiError(e);
    }
    return answerTo(request, response);
  };
}
