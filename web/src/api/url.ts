/** The URL of a call: the template's `{name}` filled in, then the query parameters that have a value. */
export function urlOf(template: string, params: Record<string, string> | undefined, query: unknown): string {
  const path = template.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(params?.[name] ?? ''));
  const search = new URLSearchParams();
  // Query parameters are strings, numbers or booleans (the OpenAPI types say so).
  for (const [key, value] of Object.entries((query ?? {}) as Record<string, string | number | boolean>))
    if (value !== undefined && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `${path}?${text}` : path;
}
