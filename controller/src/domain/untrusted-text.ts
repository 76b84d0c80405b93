// Text that comes from outside (instance names and labels from provider APIs, agent reports) made safe to show:
// control characters removed, and Slack mrkdwn's three special characters turned into entities.

/** Removes C0/C1 control characters (newlines and tabs too: a name is one line) and Unicode bidi overrides. */
export function stripControl(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '');
}

/** Slack (and Mattermost, Discord's /slack) mrkdwn escaping: & < > become entities, so no text turns into a link or mention. */
export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
