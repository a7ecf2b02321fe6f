class User < ApplicationRecord
  validates :email, presence: true
  validates :nickname, presence: true
end
