/**
 * Text from elsewhere (a policy report's message, a reason, a resource's name) shown on a terminal: a
 * control character could clear the screen, retitle the window, plant a link or move the cursor over
 * what is written (escape sequences, a carriage return), and a bidirectional override could show text in
 * another order than it is read. Each is shown as its escape instead; line breaks and tabs stay.
 */
// eslint-disable-next-line no-control-regex
const unsafe = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const escaped = (c: string): string => {
  const code = c.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
};

/** `text` with every control character but line breaks and tabs shown as its escape. */
export const terminalText = (text: string): string => text.replace(unsafe, escaped);

/** A table cell: one line, so a line break in the text cannot make a row of its own. */
export const cellText = (text: string): string => terminalText(text).replace(/[\n\t]/g, ' ');
