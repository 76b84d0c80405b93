// Zero-touch enrolment (docs/enrolment.md): before its first WebSocket, an agent holding only the fleet join token
// POSTs its claimed identity to ENROL_PATH with `Authorization: Bearer <join token>` and gets its own agent token.
// A refusal is always the same 403 answer: the caller never learns which check failed (the controller's log says).
import { z } from 'zod';
import { ENROL_VERSION } from './version';

/** Path of the enrolment request, on the controller's HTTP(S) origin (the agent URL's scheme turned http/https). */
export const ENROL_PATH = '/agent/enrol';

/** `POST ENROL_PATH` body: the instance the agent says it runs on, as `<provider>:<provider's id>`. */
export const EnrolRequestSchema = z
  .object({
    v: z.literal(ENROL_VERSION),
    instanceId: z.string().min(3).max(300),
    /** How the agent found its identity (logged by the controller; decides nothing). */
    source: z.enum(['override', 'vast-env', 'gcp-metadata']),
  })
  .strict();
export type EnrolRequest = z.infer<typeof EnrolRequestSchema>;

/** 201 answer: the per-instance agent token, shown this once; the agent keeps it (0600) and uses it from then on. */
export const EnrolGrantSchema = z
  .object({
    instanceId: z.string().min(3).max(300),
    token: z.string().min(1).max(512),
  })
  .strict();
export type EnrolGrant = z.infer<typeof EnrolGrantSchema>;

/** The one refusal text (HTTP 403), whatever the reason: a bad join token, an unlisted instance, a wrong address... */
export const ENROL_REFUSED = 'enrolment refused';
