import { parseSettingValue } from './setting-values';
import type { SettingField } from './settings-schema';

const field = (over: Partial<SettingField>): SettingField => ({
  key: 'k',
  label: 'K',
  description: '',
  type: 'str',
  apply: 'live',
  fromConfig: () => '',
  ...over,
});

describe('parseSettingValue', () => {
  it.each([
    [{ type: 'int', min: 0, max: 10 } as const, '7', 7],
    [{ type: 'int' } as const, 7, 7],
    [{ type: 'float' } as const, '0.25', 0.25],
    [{ type: 'bool' } as const, 'On', true],
    [{ type: 'bool' } as const, false, false],
    [{ type: 'list[str]' } as const, '["a","b"]', ['a', 'b']],
    [{ type: 'list[str]' } as const, ['a'], ['a']],
    [{ type: 'str', choices: ['block', 'warn'] } as const, 'warn', 'warn'],
  ])('accepts %j %j', (over, raw, value) => {
    expect(parseSettingValue(field(over), raw)).toEqual({ ok: true, value });
  });

  it.each([
    [{ type: 'int' } as const, '7.5', 'int_parsing'],
    [{ type: 'int' } as const, '', 'int_parsing'],
    [{ type: 'int', max: 10 } as const, '11', 'less_than_equal'],
    [{ type: 'float', min: 1 } as const, '0.5', 'greater_than_equal'],
    [{ type: 'float' } as const, 'NaN', 'float_parsing'],
    [{ type: 'bool' } as const, 'maybe', 'bool_parsing'],
    [{ type: 'list[str]' } as const, '[1]', 'list_type'],
    [{ type: 'str' } as const, 5, 'string_type'],
    [{ type: 'str', choices: ['block'] } as const, 'warn', 'literal_error'],
  ])('refuses %j %j', (over, raw, type) => {
    expect(parseSettingValue(field(over), raw)).toMatchObject({ ok: false, type });
  });
});
