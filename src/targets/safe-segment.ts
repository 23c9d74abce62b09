/** Names are validated DNS labels already; this keeps a file path from ever leaving its folder. */
export function safeSegment(segment: string): string {
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(segment))
    throw new Error(`"${segment}" is not a safe file name`);
  return segment;
}
