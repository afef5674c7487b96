/**
 * `iterator.next()` as a promise whatever the iterator does, as `await` takes
 * it: a plain result is resolved (Promise.resolve hands a native promise back
 * as it is, at no cost) and a synchronous throw becomes a rejection. For the
 * iterator layers that pass an event on with then() rather than async/await.
 */
export function nextOf<T>(iterator: AsyncIterator<T>): Promise<IteratorResult<T>> {
  try {
    return Promise.resolve(iterator.next());
  } catch (err) {
    return Promise.reject(err);
  }
}
