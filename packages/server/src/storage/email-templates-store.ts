import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface StoredTemplate {
  serverId: string;
  templateId: string;
  locale: string;
  subject: string;
  html: string;
  text: string;
  updatedAt: number;
}

/** Template overrides set by operators, per authorization server and locale. */
export class EmailTemplatesStore {
  constructor(private readonly db: Kysely<Database>) {}

  async find(serverId: string, templateId: string, locale: string): Promise<StoredTemplate | null> {
    const row = await this.db
      .selectFrom('email_templates')
      .selectAll()
      .where('server_id', '=', serverId)
      .where('template_id', '=', templateId)
      .where('locale', '=', locale)
      .executeTakeFirst();
    return row
      ? {
          serverId: row.server_id,
          templateId: row.template_id,
          locale: row.locale,
          subject: row.subject,
          html: row.html,
          text: row.text,
          updatedAt: row.updated_at,
        }
      : null;
  }

  async upsert(template: StoredTemplate): Promise<void> {
    const content = {
      subject: template.subject,
      html: template.html,
      text: template.text,
      updated_at: template.updatedAt,
    };
    // One atomic upsert: concurrent saves of the same template cannot collide on the primary key.
    await this.db
      .insertInto('email_templates')
      .values({
        server_id: template.serverId,
        template_id: template.templateId,
        locale: template.locale,
        ...content,
      })
      .onConflict((oc) => oc.columns(['server_id', 'template_id', 'locale']).doUpdateSet(content))
      .execute();
  }

  async remove(serverId: string, templateId: string, locale: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('email_templates')
      .where('server_id', '=', serverId)
      .where('template_id', '=', templateId)
      .where('locale', '=', locale)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
