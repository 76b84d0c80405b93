// Reads a JSON request body and validates it with a zod schema; failures become 400 with one clear line.
import type { Context } from 'hono';
import type { ZodType, ZodTypeDef } from 'zod';

export type BodyResult<T> = { ok: true; value: T } | { ok: false; response: Response };

export async function readJsonBody<T>(c: Context, schema: ZodType<T, ZodTypeDef, unknown>): Promise<BodyResult<T>> {
  let raw: unknown;
  try {
    const text = await c.req.text();
    raw = JSON.parse(text);
  } catch {
    return { ok: false, response: c.json({ error: 'body must be valid JSON' }, 400) };
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    return { ok: false, response: c.json({ error: `invalid body: ${where}${issue?.message ?? 'invalid'}` }, 400) };
  }
  return { ok: true, value: parsed.data };
}
