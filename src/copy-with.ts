/**
 * `{ ...source, ...extra }`: the same own properties, in the same order, with
 * `extra`'s winning. On Node 20 an object literal that starts with a spread
 * and goes on with more properties is slow to build: V8 11 takes 0.4-0.6 µs
 * for each property after the spread (3.5 µs for a usage row of six more),
 * where Node 24 takes about 20 ns for the whole literal. Object.assign onto a
 * fresh object takes about 0.1 µs on both. Used where it runs for every run;
 * where every property is known, a plain literal is cheaper still.
 */
export function copyWith<A extends object, B extends object>(source: A, extra: B): Omit<A, keyof B> & B {
  return Object.assign({}, source, extra);
}
