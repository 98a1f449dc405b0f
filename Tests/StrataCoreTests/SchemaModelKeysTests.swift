import StrataCore
import StrataSyntax
import Testing

/// What DROP CONSTRAINT, DROP COLUMN, DROP INDEX and DEFAULT NULL do to the schema model, as
/// PostgreSQL does them (`down-does-not-reverse-up` compares tables after UP and DOWN with it).
@Suite("Schema model keys and names")
struct SchemaModelKeysTests {
    func replay(_ sql: String) -> SchemaModel {
        var schema = SchemaModel()
        let source = SourceText(sql, dialect: .postgresql)
        for range in StatementSplitter.split(source) {
            schema.apply(StatementReader.read(source, tokens: range), migration: "m0")
        }
        return schema
    }

    @Test func dropConstraintRemovesTheKeyItNames() {
        let schema = replay("""
            CREATE TABLE users (id INT, email TEXT, nick TEXT, CONSTRAINT users_pk PRIMARY KEY (id));
            ALTER TABLE users ADD CONSTRAINT users_email_uq UNIQUE (email);
            ALTER TABLE users ADD UNIQUE (nick);
            ALTER TABLE users DROP CONSTRAINT users_email_uq;
            ALTER TABLE users DROP CONSTRAINT users_nick_key;
            ALTER TABLE users DROP CONSTRAINT users_pk;
            """)
        let users = schema.tables["users"]
        #expect(users?.uniqueKeys == [])
        #expect(users?.primaryKey == [])
        #expect(users?.constraintNames == [])
        #expect(users?.keysUncertain == false)
    }

    @Test func keyNamesFollowRenames() {
        let schema = replay("""
            CREATE TABLE owners (user_id INT, crate_id INT, CONSTRAINT owners_uq UNIQUE (user_id, crate_id));
            ALTER TABLE owners RENAME COLUMN user_id TO owner_id;
            ALTER TABLE owners RENAME CONSTRAINT owners_uq TO owners_unique;
            ALTER TABLE owners DROP CONSTRAINT owners_unique;
            """)
        #expect(schema.tables["owners"]?.uniqueKeys == [])
    }

    @Test func anUnknownConstraintNameMakesTheKeysUncertain() {
        // A name renamed by ALTER INDEX, which the model does not follow.
        let schema = replay("""
            CREATE TABLE users (id INT, email TEXT UNIQUE);
            ALTER TABLE users DROP CONSTRAINT idx_user_email;
            """)
        #expect(schema.tables["users"]?.keysUncertain == true)
        #expect(schema.tables["users"]?.uniqueKeys == [["email"]])
    }

    @Test func anUnnamedForeignKeyStaysForRelaxConstraint() {
        let schema = replay("""
            CREATE TABLE posts (id INT, author_id INT REFERENCES users (id));
            ALTER TABLE posts DROP CONSTRAINT posts_author_id_fkey;
            """)
        #expect(schema.tables["posts"]?.foreignKeys.count == 1)
        #expect(schema.tables["posts"]?.keysUncertain == false)
    }

    @Test func dropColumnForgetsTheNamesOfItsConstraints() {
        let schema = replay("""
            CREATE TABLE posts (id INT, author_id INT, slug TEXT);
            ALTER TABLE posts ADD CONSTRAINT fk_posts_author FOREIGN KEY (author_id) REFERENCES users (id);
            ALTER TABLE posts ADD CONSTRAINT posts_slug_uq UNIQUE (slug);
            ALTER TABLE posts DROP COLUMN author_id;
            ALTER TABLE posts DROP COLUMN slug;
            """)
        #expect(schema.tables["posts"]?.constraintNames == [])
        #expect(schema.tables["posts"]?.keyNames == [:])
    }

    @Test func dropIndexOfTheNamePostgresGaveAnUnnamedIndex() {
        let schema = replay("""
            CREATE TABLE api_tokens (id INT, token TEXT);
            CREATE INDEX ON api_tokens (token);
            DROP INDEX api_tokens_token_idx;
            """)
        #expect(schema.tables["api_tokens"]?.indexes.isEmpty == true)
    }

    @Test func aNullDefaultIsNoDefault() {
        let schema = replay("""
            CREATE TABLE site (id INT, question TEXT DEFAULT NULL, answer TEXT DEFAULT 'yes');
            ALTER TABLE site ALTER COLUMN answer SET DEFAULT NULL::text;
            """)
        #expect(schema.tables["site"]?.column("question")?.hasDefault == false)
        #expect(schema.tables["site"]?.column("answer")?.hasDefault == false)
        #expect(SchemaModel.isNullDefault("(NULL)"))
        #expect(!SchemaModel.isNullDefault("'null'"))
    }

    @Test(arguments: [
        ("col IS NOT NULL", "col"),
        ("(\"Email\" IS NOT NULL)", "email"),
        ("((total)  is  not  null)", "total"),
        ("Größe IS NOT NULL", "größe"),
        ("a = 1 OR b IS NOT NULL", nil),
        ("col IS NULL", nil),
        ("col IS NOT NULL AND other IS NOT NULL", nil),
        ("length(name) > 0", nil),
    ] as [(String, String?)])
    func theColumnOfANotNullCheck(expression: String, column: String?) {
        #expect(SchemaModel.notNullColumn(expression) == column)
    }

    @Test func postgresCutsNamesTo63Bytes() {
        let long = String(repeating: "a", count: 70)
        #expect(SchemaModel.postgresIdentifier(long).utf8.count == 63)
        #expect(SchemaModel.postgresIdentifier(String(repeating: "é", count: 40)).utf8.count == 62)
    }
}
