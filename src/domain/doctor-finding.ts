/** One check of `waiver doctor`: what it found, and how to fix it when it is not ok. */
export interface DoctorFinding {
  /** The cluster target it is about (set by `waiver doctor` across targets). */
  target?: string;
  check: string;
  status: 'ok' | 'warn' | 'fail';
  message: string;
  fix?: string;
}
