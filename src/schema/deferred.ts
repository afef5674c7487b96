import {
  type DirectiveNode,
  type FieldNode,
  type GraphQLResolveInfo,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/** Field nodes of an operation that sit inside an active `@defer`, found once per operation. */
const deferredFields = new WeakMap<OperationDefinitionNode, Set<FieldNode>>();

/** True when the field being resolved is delivered in a deferred payload. */
export function isDeferred(info: GraphQLResolveInfo): boolean {
  let set = deferredFields.get(info.operation);
  if (!set) {
    set = new Set();
    collect(info.operation.selectionSet, false, info, set, new Set());
    deferredFields.set(info.operation, set);
  }
  const found = set;
  return info.fieldNodes.some((n) => found.has(n));
}

function collect(
  selectionSet: SelectionSetNode,
  deferred: boolean,
  info: GraphQLResolveInfo,
  out: Set<FieldNode>,
  seenFragments: Set<string>,
): void {
  for (const sel of selectionSet.selections) {
    if (sel.kind === Kind.FIELD) {
      if (deferred) out.add(sel);
      if (sel.selectionSet) collect(sel.selectionSet, deferred, info, out, seenFragments);
    } else if (sel.kind === Kind.INLINE_FRAGMENT) {
      collect(sel.selectionSet, deferred || hasActiveDefer(sel.directives, info), info, out, seenFragments);
    } else {
      const name = sel.name.value;
      const fragment = info.fragments[name];
      const key = `${name}:${deferred || hasActiveDefer(sel.directives, info)}`;
      if (!fragment || seenFragments.has(key)) continue;
      seenFragments.add(key);
      collect(fragment.selectionSet, deferred || hasActiveDefer(sel.directives, info), info, out, seenFragments);
    }
  }
}

function hasActiveDefer(directives: readonly DirectiveNode[] | undefined, info: GraphQLResolveInfo): boolean {
  const defer = directives?.find((d) => d.name.value === 'defer');
  if (!defer) return false;
  const cond = defer.arguments?.find((a) => a.name.value === 'if')?.value;
  if (!cond) return true;
  if (cond.kind === Kind.BOOLEAN) return cond.value;
  if (cond.kind === Kind.VARIABLE) return info.variableValues[cond.name.value] !== false;
  return true;
}
