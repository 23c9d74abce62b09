import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { inlineScripts, UI_CONFIG_META, webCsp, withConfig } from './web-ui.js';

describe('withConfig', () => {
  const html =
    '<html><head><title>Waiver</title>\n    <script type="module" src="/assets/a.js"></script></head></html>';

  it('puts the settings in a meta element before the first script, as JSON the page can read back', () => {
    const config = {
      version: '1.0.0',
      oidc: { issuer: 'https://id.example', clientId: 'waiver', scope: 'openid' },
    };
    const out = withConfig(html, config).toString();
    const meta = out.indexOf(`<meta name="${UI_CONFIG_META}"`);
    expect(meta).toBeGreaterThan(0);
    expect(meta).toBeLessThan(out.indexOf('<script'));
    const content = /content="([^"]*)"/.exec(out)?.[1] ?? '';
    const decoded = content
      .replace(/&quot;/g, '"')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
    expect(JSON.parse(decoded)).toEqual(config);
  });

  it('escapes what would end the attribute or open markup', () => {
    const out = withConfig(html, { version: '"><script>alert(1)</script>&' }).toString();
    expect(out.match(/<script/g)).toHaveLength(1);
    expect(out).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;');
  });

  it('puts it at the end of the head when the page has no script', () => {
    const out = withConfig('<html><head><title>x</title></head><body></body></html>', { a: 1 }).toString();
    expect(out).toMatch(/<meta name="waiver-ui-config" content="\{&quot;a&quot;:1\}" \/>\s*<\/head>/);
  });
});

describe('webCsp', () => {
  it("allows the built page's inline scripts by their hash only, never any inline script", () => {
    const html =
      '<head><script>console.log("early")</script><script type="module" src="/assets/x.js"></script></head>';
    expect(inlineScripts(html)).toEqual(['console.log("early")']);
    const hash = createHash('sha256').update('console.log("early")').digest('base64');
    const csp = webCsp(undefined, inlineScripts(html));
    expect(csp).toContain(`script-src 'self' 'sha256-${hash}';`);
    expect(csp).not.toContain('unsafe-inline');
    // A page without one keeps the policy it had.
    expect(webCsp(undefined, inlineScripts('<script src="/a.js"></script>'))).toContain("script-src 'self';");
  });
});
