import { Command, Option } from 'clipanion';
import { createUser, listUsers, setAdmin } from '../auth/users.js';
import { RegistryCommand } from './base.js';

export class UserAddCommand extends RegistryCommand {
  static override paths = [['user', 'add']];
  static override usage = Command.Usage({
    description: 'create an account',
    details:
      'The password is read from SKILLS_PASSWORD, so it never appears in the process list or shell history.',
    examples: [['Create an admin account', 'SKILLS_PASSWORD=… $0 user add ada ada@example.com --admin']],
  });
  username = Option.String();
  email = Option.String();
  admin = Option.Boolean('--admin', false, { description: 'Make the account an administrator' });

  async execute(): Promise<number> {
    const password = process.env.SKILLS_PASSWORD;
    if (!password) {
      this.context.stderr.write('error: set SKILLS_PASSWORD to the new account password\n');
      return 2;
    }
    const { database } = await this.open();
    try {
      const user = await createUser(database.db, {
        username: this.username,
        email: this.email,
        password,
        isAdmin: this.admin,
      });
      this.context.stdout.write(`created ${user.username}${user.isAdmin ? ' (admin)' : ''}\n`);
      return 0;
    } finally {
      await database.close();
    }
  }
}

export class UserListCommand extends RegistryCommand {
  static override paths = [['user', 'list']];
  static override usage = Command.Usage({
    description: 'list the accounts',
    examples: [['List accounts', '$0 user list']],
  });

  async execute(): Promise<number> {
    const { database } = await this.open();
    try {
      for (const user of await listUsers(database.db)) {
        this.context.stdout.write(`${user.username}\t${user.email}${user.isAdmin ? '\tadmin' : ''}\n`);
      }
      return 0;
    } finally {
      await database.close();
    }
  }
}

export class UserAdminCommand extends RegistryCommand {
  static override paths = [['user', 'admin']];
  static override usage = Command.Usage({
    description: 'grant or revoke the administrator role',
    examples: [
      ['Make ada an administrator', '$0 user admin ada'],
      ['Revoke it', '$0 user admin ada --revoke'],
    ],
  });
  username = Option.String();
  revoke = Option.Boolean('--revoke', false, { description: 'Revoke instead of grant' });

  async execute(): Promise<number> {
    const { database } = await this.open();
    try {
      await setAdmin(database.db, this.username, !this.revoke);
      this.context.stdout.write(`${this.username} is ${this.revoke ? 'no longer ' : ''}an administrator\n`);
      return 0;
    } finally {
      await database.close();
    }
  }
}
