import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ValidationError } from '../../errors.js';
import {
  type ResolvedTemplate,
  storedLocale,
  TEMPLATE_IDS,
  type TemplateId,
  type TemplateSource,
} from '../../messaging/templates/email-templates.js';
import type { TemplateValues } from '../../messaging/templates/template-variables.js';
import { TemplateError } from '../../messaging/templates/velocity-template.js';
import type { ServerId } from '../../protocol/oauth/authorization-servers.js';
import type { Services } from '../../services.js';
import { type CommonOptions, print, withServices, withStoreOptions } from '../common-options.js';

interface TemplateOptions extends CommonOptions {
  template: string;
  server: string;
  locale: string;
}

interface SetOptions extends TemplateOptions {
  subject?: string;
  htmlFile?: string;
  textFile?: string;
}

interface Target {
  templateId: TemplateId;
  serverId: ServerId;
  locale: string;
}

/** Checks the options naming a template before the store is opened. */
function targetOf(options: TemplateOptions): Target {
  const ids = TEMPLATE_IDS as readonly string[];
  if (!ids.includes(options.template))
    throw new ValidationError('template', `--template must be one of ${ids.join(', ')}`);
  if (options.server !== 'default' && options.server !== 'org')
    throw new ValidationError('server', '--server must be default or org');
  return {
    templateId: options.template as TemplateId,
    serverId: options.server,
    locale: storedLocale(options.locale),
  };
}

function templateRecord(template: ResolvedTemplate) {
  return {
    templateId: template.templateId,
    locale: template.locale,
    origin: template.origin,
    subject: template.subject,
    html: template.html,
    text: template.text,
  };
}

function readPart(file: string, option: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ValidationError(option, `cannot read ${option} ${file}: ${(err as Error).message}`);
  }
}

/** Values a preview renders with: plausible, and obviously not a real code or person. */
function sampleValues(services: Services): TemplateValues {
  const link = `${services.config.publicUrl}/email/verify?otp=123456&state=sample-state`;
  return {
    oneTimePassword: '123456',
    verificationToken: '123456',
    emailAuthenticationLink: link,
    resetPasswordLink: link,
    expiresInMinutes: String(Math.round(services.config.email.otpTtlSeconds / 60)),
    'user.profile.firstName': 'Alex',
    'user.profile.lastName': 'Example',
    'user.profile.login': 'alex@example.com',
    'user.profile.email': 'alex@example.com',
    'org.name': services.config.orgName,
    'app.name': 'Sample app',
    'request.relayState': 'sample-state',
    'request.browser': 'Firefox',
    'request.operatingSystem': 'Linux',
    'request.ipAddress': '192.0.2.10',
    'request.location': 'unknown location',
    'request.date': '2025-01-31',
    'request.time': '09:30 UTC',
  };
}

const describeTarget = (t: { templateId: string; serverId: string; locale: string }) =>
  `${t.templateId} (${t.locale}) on server ${t.serverId}`;

/** `gatehouse templates get|set|preview|reset`: operators' view of the email templates. */
export function templatesCommand(program: Command): void {
  const templates = program
    .command('templates')
    .description('view, customise, preview and reset email templates (Velocity: subject, html, text)');
  const withTarget = (command: Command) =>
    withStoreOptions(
      command
        .requiredOption('--template <id>', `template: ${TEMPLATE_IDS.join(' | ')}`)
        .option('--server <id>', 'authorization server: default | org', 'default')
        .option('--locale <tag>', 'language tag, e.g. en, fr, fr-CA', 'en')
        .option('--json', 'print JSON'),
    );

  withTarget(
    templates.command('get').description('print the template in force (override or shipped default)'),
  ).action((options: TemplateOptions) => {
    const target = targetOf(options);
    return withServices(options, async (services) => {
      const template = await services.emailTemplates.resolve(
        target.serverId,
        target.templateId,
        target.locale,
      );
      print(
        options,
        templateRecord(template),
        `# ${describeTarget({ ...target, locale: template.locale })}: ${template.origin}\n` +
          `## subject\n${template.subject}\n## html\n${template.html.trimEnd()}\n## text\n${template.text.trimEnd()}`,
      );
    });
  });

  withTarget(
    templates
      .command('set')
      .description('override a template; parts not given keep the current ones; a bad template is refused')
      .option('--subject <subject>', 'subject template (one line)')
      .option('--html-file <file>', 'file with the HTML part')
      .option('--text-file <file>', 'file with the plain-text part'),
  ).action((options: SetOptions) => {
    const target = targetOf(options);
    if (options.subject === undefined && !options.htmlFile && !options.textFile)
      throw new ValidationError('subject', 'give at least one of --subject, --html-file, --text-file');
    const html = options.htmlFile ? readPart(options.htmlFile, '--html-file') : undefined;
    const text = options.textFile ? readPart(options.textFile, '--text-file') : undefined;
    return withServices(options, async (services) => {
      const current = await services.emailTemplates.resolve(
        target.serverId,
        target.templateId,
        target.locale,
      );
      const source: TemplateSource = {
        subject: options.subject ?? current.subject,
        html: html ?? current.html,
        text: text ?? current.text,
      };
      try {
        await services.emailTemplates.set(target.serverId, target.templateId, target.locale, source);
      } catch (err) {
        if (err instanceof TemplateError)
          throw new ValidationError('template', `template refused: ${err.message}`);
        throw err;
      }
      const saved = await services.emailTemplates.resolve(target.serverId, target.templateId, target.locale);
      print(options, templateRecord(saved), `Saved ${describeTarget(target)}`);
    });
  });

  withTarget(
    templates.command('preview').description('render the template in force with sample values'),
  ).action((options: TemplateOptions) => {
    const target = targetOf(options);
    return withServices(options, async (services) => {
      const template = await services.emailTemplates.resolve(
        target.serverId,
        target.templateId,
        target.locale,
      );
      const rendered = services.emailTemplates.render(template, sampleValues(services));
      print(
        options,
        { templateId: template.templateId, locale: template.locale, origin: template.origin, ...rendered },
        `Subject: ${rendered.subject}\n\n${rendered.text.trimEnd()}`,
      );
    });
  });

  withTarget(
    templates.command('reset').description('remove the override; the shipped default applies again'),
  ).action((options: TemplateOptions) => {
    const target = targetOf(options);
    return withServices(options, async (services) => {
      const removed = await services.emailTemplates.reset(target.serverId, target.templateId, target.locale);
      print(
        options,
        { ...target, removed },
        removed
          ? `Removed the override of ${describeTarget(target)}`
          : `No override of ${describeTarget(target)}`,
      );
    });
  });
}
