import type { ComponentChildren } from 'preact';

/** A column: its name, or the name with a class (`num` right-aligns figures) and, if the name is not the text, a label. */
export type Column = string | { name: string; class: string; label?: ComponentChildren };

/** A column of figures, right-aligned. */
export const num = (name: string): Column => ({ name, class: 'num' });

/** A table's header row, each column a `<th scope="col">`. */
export function TableHead({ columns }: { columns: readonly Column[] }) {
  return (
    <thead>
      <tr>
        {columns.map((c) =>
          typeof c === 'string' ? (
            <th scope="col" key={c}>
              {c}
            </th>
          ) : (
            <th scope="col" key={c.name} class={c.class}>
              {c.label ?? c.name}
            </th>
          ),
        )}
      </tr>
    </thead>
  );
}
