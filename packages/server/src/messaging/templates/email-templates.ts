import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Clock } from '../../clock.js';
import { NotFoundError, ValidationError } from '../../errors.js';
import type { EmailTemplatesStore } from '../../storage/email-templates-store.js';
import type { TemplateValues } from './template-variables.js';
import { VelocityTemplate } from './velocity-template.js';

export const TEMPLATE_IDS = [
  'email-challenge',
  'forgot-password',
  'unknown-recipient',
  'registration-verification',
  'account-exists',
  'unlock-account',
] as const;
export type TemplateId = (typeof TEMPLATE_IDS)[number];
export const DEFAULT_LOCALE = 'en';
const LOCALE = /^[a-z]{2,3}(-[a-z0-9]{2,8})?$/;

export interface TemplateSource {
  subject: string;
  html: string;
  text: string;
}

export interface ResolvedTemplate extends TemplateSource {
  templateId: TemplateId;
  locale: string;
  /** Where it came from: an operator override or the shipped default. */
  origin: 'override' | 'default';
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

const SHIPPED_DIR = fileURLToPath(new URL('../../../templates/', import.meta.url));

/**
 * Email templates: a subject + HTML + text triple per template and locale. Operators override them
 * per authorization server (CLI `gatehouse templates`); otherwise the shipped defaults apply. The
 * locale falls back to its language, then to English.
 */
export class EmailTemplates {
  private readonly shipped = new Map<string, TemplateSource>();
  private readonly compiled = new Map<
    string,
    { subject: VelocityTemplate; html: VelocityTemplate; text: VelocityTemplate }
  >();

  constructor(
    private readonly store: EmailTemplatesStore,
    private readonly clock: Clock,
    shippedDir: string = SHIPPED_DIR,
  ) {
    for (const id of TEMPLATE_IDS) {
      const dir = `${shippedDir}${id}`;
      if (!existsSync(dir)) continue;
      for (const locale of readdirSync(dir)) {
        const read = (part: string) => readFileSync(`${dir}/${locale}/${part}.vm`, 'utf8');
        this.shipped.set(`${id}/${locale}`, {
          subject: read('subject').trim(),
          html: read('html'),
          text: read('text'),
        });
      }
    }
  }

  isTemplateId(id: string): id is TemplateId {
    return (TEMPLATE_IDS as readonly string[]).includes(id);
  }

  /** The template in force for a server and locale (override, else shipped default, with fallback). */
  async resolve(serverId: string, templateId: TemplateId, locale: string): Promise<ResolvedTemplate> {
    for (const candidate of localeChain(locale)) {
      const override = await this.store.find(serverId, templateId, candidate);
      if (override)
        return {
          templateId,
          locale: candidate,
          origin: 'override',
          subject: override.subject,
          html: override.html,
          text: override.text,
        };
    }
    for (const candidate of localeChain(locale)) {
      const source = this.shipped.get(`${templateId}/${candidate}`);
      if (source) return { templateId, locale: candidate, origin: 'default', ...source };
    }
    throw new NotFoundError(`No template ${templateId}`);
  }

  /** Parses and checks a triple; throws `TemplateError` with the part, line and column. */
  validate(source: TemplateSource): void {
    this.compile(source);
  }

  async set(serverId: string, templateId: TemplateId, locale: string, source: TemplateSource): Promise<void> {
    this.validate(source);
    await this.store.upsert({
      serverId,
      templateId,
      locale: storedLocale(locale),
      ...source,
      updatedAt: this.clock.now(),
    });
  }

  async reset(serverId: string, templateId: TemplateId, locale: string): Promise<boolean> {
    return this.store.remove(serverId, templateId, storedLocale(locale));
  }

  render(source: TemplateSource, values: TemplateValues): RenderedEmail {
    const { subject, html, text } = this.compile(source);
    return {
      // One line: a value cannot add mail headers (docs/security.md L3).
      subject: subject
        .render(values)
        .replace(/[\r\n]+/g, ' ')
        .trim(),
      html: html.render(values),
      text: text.render(values),
    };
  }

  private compile(source: TemplateSource) {
    const key = `${source.subject}\u0000${source.html}\u0000${source.text}`;
    let compiled = this.compiled.get(key);
    if (!compiled) {
      compiled = {
        subject: new VelocityTemplate('subject', source.subject, false),
        html: new VelocityTemplate('html', source.html, true),
        text: new VelocityTemplate('text', source.text, false),
      };
      if (this.compiled.size > 200) this.compiled.clear();
      this.compiled.set(key, compiled);
    }
    return compiled;
  }
}

/** The form overrides are stored under (`fr-CA` → `fr-ca`, as `resolve` looks them up). */
export function storedLocale(locale: string): string {
  const normalized = locale.trim().toLowerCase();
  if (!LOCALE.test(normalized))
    throw new ValidationError(
      'locale',
      `locale must be a language tag such as en or fr-CA, not ${JSON.stringify(locale)}`,
    );
  return normalized;
}

/** `fr-CA` → [`fr-ca`, `fr`, `en`]. */
export function localeChain(locale: string): string[] {
  const normalized = locale.toLowerCase();
  const chain = [normalized, normalized.split('-')[0]!, DEFAULT_LOCALE];
  return [...new Set(chain.filter((l) => LOCALE.test(l)))];
}
