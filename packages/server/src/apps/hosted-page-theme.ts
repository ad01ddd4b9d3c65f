import { ValidationError } from '../errors.js';
import type { HostedPageTheme } from '../storage/apps-store.js';
import { assertRedirectUri } from './app-urls.js';

type ThemeInput = { [K in keyof HostedPageTheme]?: string | null | undefined };

/** `#rgb`, `#rrggbb`, `#rrggbbaa` or a CSS colour name: nothing that could break out of a style. */
const COLOR = /^(#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,30})$/;
const DATA_IMAGE = /^data:image\/(png|gif|jpeg|webp);base64,[A-Za-z0-9+/=]+$/;
const MAX_LOGO_LENGTH = 64 * 1024;

/** `base` with the given theme members applied, each checked; `null` or `''` removes a member. */
export function hostedPageTheme(base: HostedPageTheme, input: ThemeInput): HostedPageTheme {
  const next: HostedPageTheme = { ...base };
  for (const key of ['logo', 'brandName', 'primaryColor', 'primaryTextColor', 'title'] as const) {
    const value = input[key];
    if (value === undefined) continue;
    if (value === null || value.trim() === '') {
      delete next[key];
      continue;
    }
    next[key] = checked(key, value.trim());
  }
  return next;
}

function checked(key: keyof HostedPageTheme, value: string): string {
  const field = `hostedPage.${key}`;
  switch (key) {
    case 'logo':
      if (value.length > MAX_LOGO_LENGTH) throw new ValidationError(field, 'the logo must be at most 64 KiB');
      if (value.startsWith('data:')) {
        if (!DATA_IMAGE.test(value))
          throw new ValidationError(field, 'a data: logo must be a base64 PNG, GIF, JPEG or WebP image');
        return value;
      }
      return assertRedirectUri(value, field);
    case 'primaryColor':
    case 'primaryTextColor':
      if (!COLOR.test(value))
        throw new ValidationError(field, `${value} is not a colour (#rrggbb or a name)`);
      return value;
    default:
      if (value.length > 100) throw new ValidationError(field, 'at most 100 characters');
      return value;
  }
}
