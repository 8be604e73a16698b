/**
 * An inverted index of labelled items by namespace and `key=value`, so a selector is answered by intersecting its
 * smallest posting list instead of scanning every pod (10k pods / 1k services must rebuild in milliseconds).
 */
import type { Labels } from './objects.js';

export interface Labelled {
  readonly namespace: string;
  readonly labels: Labels;
}

/** True when every selector label is present with the same value. An empty selector matches everything. */
export function labelsMatch(selector: Labels, labels: Labels): boolean {
  for (const k in selector) if (labels[k] !== selector[k]) return false;
  return true;
}

export interface LabelIndex<T extends Labelled> {
  /** Items in `namespace` (or in every namespace when `namespace` is undefined) matching all of `selector`. */
  select(selector: Labels, namespace?: string): readonly T[];
  inNamespace(namespace: string): readonly T[];
  all(): readonly T[];
}

const ALL = '\u0000all';

type Postings<T> = Map<string, Map<string, T[]>>;

function addPosting<T>(p: Postings<T>, key: string, value: string, item: T): void {
  let byValue = p.get(key);
  if (!byValue) p.set(key, (byValue = new Map()));
  const list = byValue.get(value);
  if (list) list.push(item);
  else byValue.set(value, [item]);
}

export function createLabelIndex<T extends Labelled>(items: readonly T[]): LabelIndex<T> {
  const byNs = new Map<string, T[]>();
  const postings = new Map<string, Postings<T>>();
  const all: Postings<T> = new Map();
  postings.set(ALL, all);
  for (const item of items) {
    let nsList = byNs.get(item.namespace);
    if (!nsList) byNs.set(item.namespace, (nsList = []));
    nsList.push(item);
    let nsPostings = postings.get(item.namespace);
    if (!nsPostings) postings.set(item.namespace, (nsPostings = new Map()));
    for (const k in item.labels) {
      const v = item.labels[k] as string;
      addPosting(nsPostings, k, v, item);
      addPosting(all, k, v, item);
    }
  }
  return {
    select(selector, namespace) {
      const p = postings.get(namespace ?? ALL);
      if (!p) return [];
      let smallest: T[] | undefined;
      for (const k in selector) {
        const list = p.get(k)?.get(selector[k] as string);
        if (!list) return [];
        if (!smallest || list.length < smallest.length) smallest = list;
      }
      if (!smallest) return namespace === undefined ? items : (byNs.get(namespace) ?? []);
      return smallest.filter((item) => labelsMatch(selector, item.labels));
    },
    inNamespace: (namespace) => byNs.get(namespace) ?? [],
    all: () => items,
  };
}
