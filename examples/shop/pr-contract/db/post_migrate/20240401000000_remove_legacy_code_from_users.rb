class RemoveLegacyCodeFromUsers < ActiveRecord::Migration[7.1]
  def change
    remove_column :users, :legacy_code, :string
  end
end
