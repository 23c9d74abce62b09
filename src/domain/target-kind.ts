export const targetKinds = ['cluster', 'directory', 'git'] as const;
export type TargetKind = (typeof targetKinds)[number];
