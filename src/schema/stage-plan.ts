import {
  type DirectiveNode,
  type FieldNode,
  type FragmentDefinitionNode,
  GraphQLIncludeDirective,
  type GraphQLResolveInfo,
  GraphQLSkipDirective,
  getDirectiveValues,
  Kind,
  type SelectionSetNode,
} from 'graphql';
import type { StageName } from '../pipeline/types.js';

/**
 * What one `orchestrate` / `resumeRun` result asks of its run, decided once
 * from its own selection before any of its fields resolves: which stages are
 * selected, which of them only inside an active `@defer`, and which field
 * nodes sit in a deferred payload. Field resolvers then wait for exactly what
 * was decided, however and whenever the executor starts them.
 */
export interface StagePlan {
  /** stages selected outside any `@defer`: the first payload waits for them */
  now: ReadonlySet<StageName>;
  /** stages selected only inside an active `@defer` */
  deferred: ReadonlySet<StageName>;
  /** true when a field of the run is delivered in a deferred payload */
  isDeferred(info: GraphQLResolveInfo): boolean;
}

const STAGE_FIELDS: ReadonlySet<string> = new Set<StageName>(['extraction', 'specialization']);

/** The plan of the run returned by the field being resolved (`info` of the mutation field). */
export function planStages(info: GraphQLResolveInfo): StagePlan {
  const now = new Set<StageName>();
  const later = new Set<StageName>();
  const deferredNodes = new Set<FieldNode>();
  const walk = new SelectionWalk(info.fragments, info.variableValues, (field, deferred) => {
    if (deferred) deferredNodes.add(field);
    const name = field.name.value;
    if (STAGE_FIELDS.has(name)) (deferred ? later : now).add(name as StageName);
  });
  for (const node of info.fieldNodes) if (node.selectionSet) walk.visit(node.selectionSet, false);
  for (const stage of now) later.delete(stage);
  return {
    now,
    deferred: later,
    isDeferred: (fieldInfo) => fieldInfo.fieldNodes.some((n) => deferredNodes.has(n)),
  };
}

/** Visits the fields of one selection set through fragments, honouring @skip, @include and @defer. */
class SelectionWalk {
  private readonly seen = new Set<string>();

  constructor(
    private readonly fragments: Record<string, FragmentDefinitionNode>,
    private readonly variables: Record<string, unknown>,
    private readonly onField: (field: FieldNode, deferred: boolean) => void,
  ) {}

  visit(selectionSet: SelectionSetNode, deferred: boolean): void {
    for (const sel of selectionSet.selections) {
      if (!this.included(sel)) continue;
      if (sel.kind === Kind.FIELD) {
        this.onField(sel, deferred);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        this.visit(sel.selectionSet, deferred || this.defers(sel));
      } else {
        const fragment = this.fragments[sel.name.value];
        const inner = deferred || this.defers(sel);
        const key = `${sel.name.value}:${inner}`;
        if (!fragment || this.seen.has(key)) continue;
        this.seen.add(key);
        this.visit(fragment.selectionSet, inner);
      }
    }
  }

  private included(node: Parameters<typeof getDirectiveValues>[1]): boolean {
    if (getDirectiveValues(GraphQLSkipDirective, node, this.variables)?.if === true) return false;
    return getDirectiveValues(GraphQLIncludeDirective, node, this.variables)?.if !== false;
  }

  /** `@defer` is active unless its `if` is false (a literal or a variable). */
  private defers(node: { directives?: readonly DirectiveNode[] }): boolean {
    const defer = node.directives?.find((d) => d.name.value === 'defer');
    if (!defer) return false;
    const cond = defer.arguments?.find((a) => a.name.value === 'if')?.value;
    if (!cond) return true;
    if (cond.kind === Kind.BOOLEAN) return cond.value;
    if (cond.kind === Kind.VARIABLE) return this.variables[cond.name.value] !== false;
    return true;
  }
}
