import nodemailer, { type Transporter } from 'nodemailer';
import type { MailTransport, OutgoingEmail } from './mail-transport.js';

/** SMTP through nodemailer (`SMTP_URL`, e.g. smtp://user:pass@mail.example:587). */
export class SmtpTransport implements MailTransport {
  readonly name = 'smtp';
  private readonly transporter: Transporter;

  constructor(url: string, options: { rejectUnauthorized: boolean }) {
    this.transporter = nodemailer.createTransport({
      url,
      tls: { rejectUnauthorized: options.rejectUnauthorized },
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
    });
  }

  async send(email: OutgoingEmail): Promise<void> {
    await this.transporter.sendMail({
      from: email.from,
      to: email.to,
      subject: email.subject,
      text: email.text,
      html: email.html,
      headers: { 'X-Gatehouse-Template': email.templateId },
    });
  }

  async close(): Promise<void> {
    this.transporter.close();
  }
}
