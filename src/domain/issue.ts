/** One thing wrong with an input: the field, the rule it breaks (`code`) and what to say about it. */
export interface Issue {
  code: string;
  field: string;
  message: string;
}
