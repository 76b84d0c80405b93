// Text that agents and providers send (host names, instance labels, error bodies) is data, never markup or terminal
// control: these two functions make it inert before it reaches a log line, the terminal or a Slack message.

// ANSI/VT escape sequences first (CSI `ESC [ ... final`, OSC `ESC ] ... BEL|ST`, and two-character `ESC x`), so
// their printable tails ("[31m") do not survive once the ESC itself is removed; then any C0/C1 control character
// and DEL. A plain space is kept; tabs and newlines are control characters too (a forged "\n2026-... INFO" would
// fake a log line), so they become a space.

const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u009b[0-?]*[ -/]*[@-~]|\u001b[@-_]?/g;

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
// Unicode line and paragraph separators and bidi overrides also move or disguise what a reader sees.
const INVISIBLE = /[\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Removes ANSI escapes and C0/C1 control characters (tabs and line breaks become one space); plain spaces stay. */
export function stripControl(s: string): string {
  return s
    .replace(ANSI, '')
    .replace(/[\t\n\r\v\f]+/g, ' ')
    .replace(CONTROL, '')
    .replace(INVISIBLE, '');
}

/** Escapes Slack mrkdwn's three control characters, so `<!channel>` or `<https://evil|docs>` stay literal text. */
export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
