/** Walks the zod schema by key path: used for "did you mean" hints and the docs generator. */
import { z } from 'zod';

type AnySchema = z.core.$ZodType;

/** Strips optional/default/prefault/pipe wrappers down to the schema that shapes the value. */
function unwrap(schema: AnySchema): AnySchema {
  let current = schema;
  for (let i = 0; i < 20; i++) {
    const def = current._zod.def as unknown as { type: string; innerType?: AnySchema; in?: AnySchema };
    if ((def.type === 'optional' || def.type === 'default' || def.type === 'prefault' || def.type === 'nullable') && def.innerType) current = def.innerType;
    else if (def.type === 'pipe' && def.in) current = def.in;
    else return current;
  }
  return current;
}

/** The object shape of a (wrapped) object schema, or undefined. */
function shapeOf(schema: AnySchema): Record<string, AnySchema> | undefined {
  const inner = unwrap(schema);
  const def = inner._zod.def as unknown as { type: string; shape?: Record<string, AnySchema> };
  return def.type === 'object' ? def.shape : undefined;
}

/**
 * The schema found at `path` inside `root`, choosing union options by the value found at the
 * same place in `input` (a provider's `type`).
 */
function schemaAt(root: AnySchema, path: readonly PropertyKey[], input: unknown): AnySchema | undefined {
  let schema: AnySchema | undefined = root;
  let value: unknown = input;
  for (const key of [...path, undefined]) {
    if (!schema) return undefined;
    schema = unwrap(schema);
    const def = schema._zod.def as unknown as { type: string; options?: AnySchema[]; discriminator?: string; element?: AnySchema; shape?: Record<string, AnySchema> };
    if (def.type === 'union' && def.options) {
      const discriminator = def.discriminator ?? 'type';
      const wanted = (value as Record<string, unknown> | undefined)?.[discriminator];
      schema = def.options.find((option) => {
        const literal = shapeOf(option)?.[discriminator];
        const values = literal ? ((unwrap(literal)._zod.def as unknown as { values?: unknown[] }).values ?? []) : [];
        return values.includes(wanted);
      });
      if (!schema) return undefined;
      schema = unwrap(schema);
    }
    if (key === undefined) return schema;
    const current = schema._zod.def as unknown as { type: string; element?: AnySchema; shape?: Record<string, AnySchema> };
    if (current.type === 'array' && typeof key === 'number') schema = current.element;
    else if (current.type === 'object' && typeof key === 'string') schema = current.shape?.[key];
    else return undefined;
    value = (value as Record<PropertyKey, unknown> | undefined)?.[key as string];
  }
  return schema;
}

export function keysAt(root: AnySchema, path: readonly PropertyKey[], input: unknown): string[] {
  const schema = schemaAt(root, path, input);
  return schema ? Object.keys(shapeOf(schema) ?? {}) : [];
}
