// The one Bearer parser: the agent's token on the /agent upgrade (ingest/), the join token on POST /agent/enrol
// (enrol/) and the admin token on /api/* (http/admin-auth.ts) are all read from `Authorization: Bearer <token>` here.

/** `Bearer <token>` -> token; null for anything else (no header, another scheme, an empty or spaced token). */
export function bearerToken(header: string | undefined): string | null {
  if (header === undefined) return null;
  const m = /^Bearer +(\S+) *$/i.exec(header);
  return m ? m[1]! : null;
}
