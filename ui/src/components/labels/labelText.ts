import type { TFunction } from 'i18next';
import { MAX_LABEL_CHARS, type LabelProblem } from '../../lib/labels';

/** Why a typed category or tag name cannot be used, in the user's language. */
export function problemText(t: TFunction, refused: { name: string; problem: LabelProblem }): string {
  return t(`labels.problem.${refused.problem}`, { name: refused.name, max: MAX_LABEL_CHARS });
}
