/** A fresh, empty staging folder for `dest`, beside it. */
export function stagingFor(dest: string): string;
/** Moves the tree built in `staged` to `dest`, new files first and replacing ones last, and removes `staged`. */
export function swapIn(staged: string, dest: string): void;
