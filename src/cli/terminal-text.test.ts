import { describe, expect, it } from 'vitest';
import { table } from './output.js';
import { cellText, terminalText } from './terminal-text.js';

describe('text from elsewhere on a terminal', () => {
  const hostile = '\x1b[2J\x1b]0;pwned\x07 cr\rOVER \u202eevil\u202c ok';

  it('shows escape sequences, carriage returns and bidirectional overrides as escapes', () => {
    expect(terminalText(hostile)).toBe('\\x1b[2J\\x1b]0;pwned\\x07 cr\\x0dOVER \\u202eevil\\u202c ok');
    expect(terminalText('two\nlines\tand tab, é ü 🙂')).toBe('two\nlines\tand tab, é ü 🙂');
  });

  it('keeps a table row one line, whatever its cells hold', () => {
    const text = table(['NAME', 'MESSAGE'], [['pod', `first\nFAKE   row${hostile}`]]);
    expect(text.split('\n')).toHaveLength(3);
    expect(cellText('a\nb\tc')).toBe('a b c');
    for (const raw of ['\x1b', '\r', '\u202e']) expect(text).not.toContain(raw);
  });
});
