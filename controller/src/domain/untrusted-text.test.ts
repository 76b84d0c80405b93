import { describe, expect, it } from 'vitest';
import { escapeMrkdwn, stripControl } from './untrusted-text';

describe('untrusted text', () => {
  it('strips control characters and bidi overrides', () => {
    expect(stripControl('box\n-1\u0007\u202e\t')).toBe('box-1');
  });
  it('escapes the three mrkdwn characters, ampersand first', () => {
    expect(escapeMrkdwn('<!channel> & <http://x|y>')).toBe('&lt;!channel&gt; &amp; &lt;http://x|y&gt;');
  });
});
