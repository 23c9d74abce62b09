import { CompiledQuery, type Compilable, type Kysely } from 'kysely';

/** More distinct batch statements than a store writes (a table, its columns, a row count). */
const CAPACITY = 32;

/**
 * Kysely builds and compiles a statement node by node: for 500 rows of a dozen values that costs more
 * than the database takes to run it. A batch statement's SQL is compiled once per shape (`key`: the
 * table, the columns, the row count) and run again with the next chunk's parameters, given in the order
 * that compiling produced. The first compile checks that order: a shape whose parameters come otherwise
 * is compiled every time.
 */
export class BatchStatements {
  /** SQL by shape; null for a shape that must be compiled each time. */
  private readonly texts = new Map<string, string | null>();

  async run<DB, R>(
    db: Kysely<DB>,
    key: string,
    parameters: readonly unknown[],
    build: () => Compilable<R>,
  ): Promise<R[]> {
    const text = this.texts.get(key);
    if (text) return (await db.executeQuery<R>(CompiledQuery.raw(text, [...parameters]))).rows;
    const compiled = build().compile();
    const inOrder =
      compiled.parameters.length === parameters.length &&
      compiled.parameters.every((p, i) => p === parameters[i]);
    if (text === undefined) {
      this.texts.set(key, inOrder ? compiled.sql : null);
      const oldest = this.texts.keys().next();
      if (this.texts.size > CAPACITY && !oldest.done) this.texts.delete(oldest.value);
    }
    return (await db.executeQuery(compiled)).rows;
  }
}
