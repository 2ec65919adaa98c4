/** Renders the converted configuration as YAML with comments citing the Connect keys. */
import { Document, isMap, isScalar, isSeq, type Node, type Pair } from 'yaml';
import type { Annotation, YamlPath } from './model.ts';

export function renderYaml(config: Record<string, unknown>, annotations: readonly Annotation[], header: string): string {
  const doc = new Document(config);
  doc.commentBefore = header;
  for (const a of annotations) annotate(doc, a);
  for (const key of Object.keys(config).slice(1)) {
    const pair = pairAt(doc, [key]);
    if (pair && isScalar(pair.key)) pair.key.spaceBefore = true;
  }
  return doc.toString({ lineWidth: 0 });
}

function annotate(doc: Document, a: Annotation): void {
  const text = ` ${a.comment}`;
  const node = doc.getIn(a.path, true) as Node | undefined;
  if (!node) return;
  const last = a.path.at(-1);
  if (typeof last === 'number') {
    // A list item (a provider): the comment goes above it.
    node.commentBefore = join(node.commentBefore, text);
    return;
  }
  const pair = pairAt(doc, a.path);
  if (isSeq(node) && node.items.length === 0) node.flow = true;
  if (a.placement === 'inline' && (isScalar(node) || (isSeq(node) && node.flow))) {
    node.comment = join(node.comment, text);
  } else if (pair && isScalar(pair.key)) {
    pair.key.commentBefore = join(pair.key.commentBefore, text);
  }
}

function pairAt(doc: Document, path: YamlPath): Pair | undefined {
  const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
  if (!isMap(parent)) return undefined;
  const key = path.at(-1);
  return parent.items.find((p) => isScalar(p.key) && p.key.value === key) as Pair | undefined;
}

function join(existing: string | null | undefined, text: string): string {
  return existing ? `${existing}\n${text}` : text;
}
