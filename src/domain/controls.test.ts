import { describe, expect, it } from 'vitest';
import { falsePositiveProblem, parseRiskScore, riskAfterProblem, riskScoreProblem } from './controls.js';

describe('risk ratings and stated false positives, as the API and the form hold them', () => {
  it('reads LIKELIHOOD:IMPACT (or L/I) and nothing else', () => {
    expect(parseRiskScore('4:5')).toEqual({ likelihood: 4, impact: 5 });
    expect(parseRiskScore(' 2 / 3 ')).toEqual({ likelihood: 2, impact: 3 });
    for (const text of ['', '4', '4:', 'four:5', '4:5:1', '4.5:2', '-1:2'])
      expect(parseRiskScore(text)).toBeUndefined();
  });

  it('holds both points to the 1-5 scale', () => {
    expect(riskScoreProblem({ likelihood: 1, impact: 5 })).toBeUndefined();
    expect(riskScoreProblem({ likelihood: 0, impact: 3 })).toMatch(/from 1 to 5, not 0:3/);
    expect(riskScoreProblem({ likelihood: 3, impact: 6 })).toMatch(/from 1 to 5, not 3:6/);
  });

  it('refuses a risk after compensating controls above the risk before them, by likelihood times impact', () => {
    const before = { likelihood: 4, impact: 5 };
    expect(riskAfterProblem({ before, after: null })).toBeUndefined();
    expect(riskAfterProblem({ before, after: { likelihood: 2, impact: 5 } })).toBeUndefined();
    expect(riskAfterProblem({ before, after: { likelihood: 4, impact: 5 } })).toBeUndefined();
    expect(riskAfterProblem({ before: { likelihood: 2, impact: 5 }, after: before })).toBe(
      'the risk after compensating controls (4:5) is above the risk before them (2:5)',
    );
  });

  it('refuses a false positive that does not say why', () => {
    expect(falsePositiveProblem('   ')).toMatch(/at least 20 characters/);
    expect(falsePositiveProblem(`${' '.repeat(10)}too short${' '.repeat(20)}`)).toMatch(/at least 20/);
    expect(falsePositiveProblem('The image is signed by a key the policy lacks')).toBeUndefined();
  });
});
