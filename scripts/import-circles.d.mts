/** Every import circle among the TypeScript modules under `folder`, each as its modules' paths under it. */
export function importCircles(folder: string): string[][];
