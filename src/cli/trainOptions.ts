import { Option, type Command } from 'commander';
import { defaultHelp, type Settings } from '../runConfig.js';
import { SETTINGS, flagOf, settingKeys } from '../settings/table.js';

/** commander's attribute for a flag: `--t-max` -> `tMax`. */
const attribute = (spelling: string): string => spelling.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
const kebab = (name: string): string => flagOf(name).slice(2);

/** The `train` options, each from its row of the settings table; old spellings stay as hidden aliases. */
export function addTrainOptions(command: Command): Command {
  for (const key of settingKeys()) {
    const flag = SETTINGS[key].flag;
    if (flag === false) continue;
    const name = kebab(flag.name ?? key);
    const placeholder = flag.value ? ` <${flag.value}>` : '';
    const option = new Option(`--${name}${placeholder}`, [SETTINGS[key].help, defaultHelp(key)].filter(Boolean).join(' '));
    if (flag.choices) option.choices(flag.choices);
    command.addOption(option);
    for (const alias of flag.aliases ?? []) command.addOption(new Option(`--${alias}${placeholder}`).hideHelp());
  }
  return command;
}

/**
 * commander's option values (text) as settings: each flag's text read by its row's `fromText`;
 * the schemas check them in `buildTrainConfig`. A value given under an old spelling counts as the new one.
 */
export function settingsFromOptions(options: Record<string, unknown>): Settings {
  const settings: Record<string, unknown> = {};
  for (const key of settingKeys()) {
    const flag = SETTINGS[key].flag;
    if (flag === false) continue;
    let value = options[attribute(kebab(flag.name ?? key))];
    for (const alias of flag.aliases ?? []) value ??= options[attribute(alias)];
    if (value === undefined) continue;
    settings[key] = Array.isArray(value) && flag.fromTexts ? flag.fromTexts(value as string[])
      : typeof value === 'string' && flag.fromText ? flag.fromText(value) : value;
  }
  return settings as Settings;
}
