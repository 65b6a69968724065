import { confidenceOf, majorityVote, maxConfidence, stackingFeatures, weightedMean } from './combiners';

describe('ensemble combiners', () => {
  const members = [
    { model_id: 'a_v1', rows: [{ probability: 0.9, label: 1, name: 'x' }] },
    { model_id: 'b_v1', rows: [{ probability: 0.3, label: 0, name: 'y' }] },
    { model_id: 'c_v1', rows: [{ probability: 0.6, label: 1, name: 'z' }] },
  ];

  it('weighted mean averages numeric outputs element-wise and skips non-numeric ones', () => {
    const rows = weightedMean(members, [1, 1, 2]);

    expect(rows[0]!.probability).toBeCloseTo((0.9 + 0.3 + 2 * 0.6) / 4, 12);
    expect(rows[0]!.name).toBeUndefined();
  });

  it('majority vote counts labels and breaks ties by mean confidence', () => {
    const tie = [members[0]!, members[1]!];

    const [voted] = majorityVote(members, 'label', 'probability');
    const [tied] = majorityVote(tie, 'label', 'probability');

    expect(voted).toEqual({ label: 1, votes: { '1': 2, '0': 1 }, vote_share: 2 / 3 });
    expect(tied!.label).toBe(1);
  });

  it('max confidence returns the surest member, counting a low binary probability as confident', () => {
    const sure = [
      { model_id: 'a', rows: [{ probability: 0.7 }] },
      { model_id: 'b', rows: [{ probability: 0.05 }] },
    ];

    expect(maxConfidence(sure, 'probability')[0]).toEqual({
      probability: 0.05,
      source_model_id: 'b',
      confidence: 0.95,
    });
    expect(confidenceOf([0.2, 0.5, 0.3])).toBe(0.5);
  });

  it('stacking features concatenate member scores in member order', () => {
    expect(stackingFeatures(members, 'probability')).toEqual([[0.9, 0.3, 0.6]]);
  });
});
